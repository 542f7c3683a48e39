#!/usr/bin/env bash
# Builds the CPU image for real and runs it, on a machine whose only network is the package registries:
#   1.–3. build-image.sh: a private Docker daemon, stand-in base images from a Debian root (debootstrap) with this
#      machine's .NET SDK copied in, and our Dockerfile built with them;
#   4. starts the image with the tiny fixture model in a Hugging Face-layout cache mounted at /data/huggingface
#      (offline), waits for the HEALTHCHECK to report healthy, POSTs a recording, and checks the embeddings and
#      a 2-step reconstruction equal the command line's on the same input.
# Prints "image ok" and exits 0 when everything matched. State lives under $ZUNA_DOCKER_DIR (default
# /var/tmp/zuna-docker): a second run reuses the base images and the build cache.
#   deploy/local/build-and-run.sh [SHARED_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/fixtures/tiny" ] || shared=/work/shared
log() { echo "[build-and-run] $*" >&2; }

# ---------------------------------------------------------------- 1.–3. daemon, stand-in bases, our image
DOCKER_HOST="$("$repo/deploy/local/docker-daemon.sh")"
export DOCKER_HOST
"$repo/deploy/local/build-image.sh" >/dev/null

# ---------------------------------------------------------------- 4. run it
work="$(mktemp -d)"
container=""
cleanup() { [ -n "$container" ] && docker rm -f "$container" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$repo/deploy/local/tiny-hf-cache.sh" "$work/hf" "$shared"

# Host networking (the daemon has no bridge), so the image's own port 8080 — which its HEALTHCHECK probes — must be free.
port=8080
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then log "port $port is in use on this machine; free it first"; exit 1; fi
container=$(docker run -d --network host --health-interval 3s --health-start-period 5s \
  -e HF_HUB_OFFLINE=1 -e Zuna__Model__Device=cpu -e Zuna__Model__Dtype=float32 \
  -v "$work/hf:/data/huggingface:ro" zuna:cpu)
log "container ${container:0:12} on port $port; waiting for healthy"
status=starting
for _ in $(seq 300); do
  status=$(docker inspect -f '{{.State.Health.Status}}' "$container")
  [ "$status" = healthy ] && break
  [ "$(docker inspect -f '{{.State.Running}}' "$container")" = true ] || break
  sleep 1
done
[ "$status" = healthy ] || { docker logs "$container" 2>&1 | tail -20; log "not healthy: $status"; exit 1; }
[ "$(docker inspect -f '{{.Config.User}}' "$container")" = 1654 ] || { log "the image does not run as uid 1654"; exit 1; }

recording="$shared/data/fif/zuna__sample1_raw.fif"
curl -fsS -F "file=@$recording" "http://127.0.0.1:$port/v1/embeddings" -o "$work/http_embed.safetensors"
curl -fsS -F "file=@$recording" -F steps=2 -F seed=7 "http://127.0.0.1:$port/v1/reconstructions" -o "$work/http_recon.safetensors"

# The same calls through the command line on this machine, against the same cache. Both pin float32: dtype=auto
# probes each machine (the container and this host may decide differently under load), and bf16 differs by ≈ 1 %.
dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
zuna=(dotnet "$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll")
HF_HOME="$work/hf" HF_HUB_OFFLINE=1 "${zuna[@]}" embed "$recording" --device cpu --dtype float32 --out "$work/cli_embed.safetensors" 2>/dev/null
HF_HOME="$work/hf" HF_HUB_OFFLINE=1 "${zuna[@]}" reconstruct "$recording" --device cpu --dtype float32 --steps 2 --seed 7 --out "$work/cli_recon.safetensors" 2>/dev/null

/usr/bin/python3 - "$work" <<'PY'
import json, struct, sys
import numpy as np
def read(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    dt = {"F32": np.float32, "I64": np.int64, "F64": np.float64, "U8": np.uint8}
    tensors = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]: 8 + n + v["data_offsets"][1]], dt[v["dtype"]]).reshape(v["shape"])
               for k, v in header.items()}
    return meta, tensors
work = sys.argv[1]
for kind in ("embed", "recon"):
    m_http, t_http = read(f"{work}/http_{kind}.safetensors")
    m_cli, t_cli = read(f"{work}/cli_{kind}.safetensors")
    assert m_http == m_cli, f"{kind}: metadata differ: {set(m_http.items()) ^ set(m_cli.items())}"
    assert t_http.keys() == t_cli.keys(), f"{kind}: tensors differ: {t_http.keys()} vs {t_cli.keys()}"
    for k in t_http:
        d = float(np.max(np.abs(t_http[k].astype(np.float64) - t_cli[k].astype(np.float64)))) if t_http[k].size else 0.0
        assert d <= 1e-5, f"{kind}/{k}: max |http - cli| = {d}"
    print(f"{kind}: {', '.join(f'{k} {list(v.shape)}' for k, v in t_http.items())}; model {m_http.get('model_id')}@{m_http.get('model_revision')}")
PY
# Chart text needs a font in the image (the Dockerfile installs fonts-dejavu-core): the same figures drawn by the image
# as it is and again with its font folder removed must differ (an image without fonts draws both alike, text-less).
# timing.png is left out: it plots measured times, which differ from run to run anyway.
mkdir -p "$work/fig" && chmod 777 "$work/fig"
figures() { # folder, extra docker arguments..., command prefix
  local folder=$1; shift
  docker run --rm --network host -e HF_HUB_OFFLINE=1 -v "$work/hf:/data/huggingface:ro" -v "$recording:/in/rec.fif:ro" \
    -v "$work/fig:/fig" "$@" "/app/zuna reconstruct /in/rec.fif --device cpu --steps 2 --seed 7 --out /fig/$folder.safetensors --figures /fig/$folder" \
    >/dev/null 2>&1
}
figures fonts --entrypoint sh zuna:cpu -c
figures nofonts --user root --entrypoint sh zuna:cpu -c 'rm -rf /usr/share/fonts && exec sh -c "$0"'
charts=()
for chart in "$work/fig/fonts/"*.png; do
  name="$(basename "$chart")"
  [ "$name" = timing.png ] && continue
  if cmp -s "$chart" "$work/fig/nofonts/$name"; then log "$name: drawn alike with and without fonts: the image draws no text"; exit 1; fi
  charts+=("$name")
done
[ ${#charts[@]} -gt 0 ] || { log "no figures were drawn"; exit 1; }
[ -z "${ZUNA_KEEP_FIGURES:-}" ] || cp -r "$work/fig/fonts" "$ZUNA_KEEP_FIGURES"
echo "figures: ${#charts[@]} charts with text (${charts[*]})"
echo "image ok"
