#!/usr/bin/env bash
# Builds the CPU image for real and runs it, on a machine whose only network is the package registries:
#   1. installs docker.io and debootstrap when missing and starts a private Docker daemon (no iptables, no bridge);
#   2. builds stand-in base images from a Debian root file system (debootstrap) with this machine's .NET SDK copied
#      in — the SDK stand-in carries the host's CA bundle so NuGet restores inside the build; the runtime stand-in
#      does not, so the published image never contains it;
#   3. builds our Dockerfile with those bases (build arguments SDK_IMAGE / RUNTIME_IMAGE);
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
state="${ZUNA_DOCKER_DIR:-/var/tmp/zuna-docker}"
mkdir -p "$state"
log() { echo "[build-and-run] $*" >&2; }

# ---------------------------------------------------------------- 1. daemon
DOCKER_HOST="$("$repo/deploy/local/docker-daemon.sh")"
export DOCKER_HOST

# ---------------------------------------------------------------- 2. stand-in bases
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_image=local/dotnet-sdk:10.0
runtime_image=local/dotnet-aspnet:10.0
make_base() { # tag, with_sdk (1|0)
  local tag=$1 with_sdk=$2 root="$state/rootfs-$2"
  if docker image inspect "$tag" >/dev/null 2>&1; then return; fi
  if [ ! -x "$state/rootfs/bin/sh" ]; then
    log "debootstrap trixie into $state/rootfs"
    rm -rf "$state/rootfs"
    debootstrap --variant=minbase --include=ca-certificates,libicu76,libgomp1 trixie "$state/rootfs" >"$state/debootstrap.log" 2>&1
  fi
  rm -rf "$root"
  cp -a "$state/rootfs" "$root"
  mkdir -p "$root/usr/share/dotnet"
  if [ "$with_sdk" = 1 ]; then
    cp -a "$dotnet_root/." "$root/usr/share/dotnet/"
    # NuGet inside the build trusts what this machine trusts (a TLS-inspecting proxy's root, for one).
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  else
    cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$root/usr/share/dotnet/"
  fi
  ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  chroot "$root" sh -c 'id app >/dev/null 2>&1 || useradd --uid 1654 --create-home app'
  log "importing $tag"
  tar -C "$root" -c . | docker import \
    --change 'ENV APP_UID=1654' --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$tag" >/dev/null
}
make_base "$sdk_image" 1
make_base "$runtime_image" 0

# ---------------------------------------------------------------- 3. our image
log "building zuna:cpu"
DOCKER_BUILDKIT=0 docker build --network host -q -t zuna:cpu \
  --build-arg TORCH_BACKEND=cpu --build-arg SDK_IMAGE="$sdk_image" --build-arg RUNTIME_IMAGE="$runtime_image" "$repo" >/dev/null
if docker run --rm --entrypoint sh zuna:cpu -c 'grep -q "BEGIN CERT" /etc/ssl/certs/ca-certificates.crt && cmp -s /etc/ssl/certs/ca-certificates.crt /host-ca 2>/dev/null'; then
  log "the published image carries the host CA bundle"; exit 1
fi

# ---------------------------------------------------------------- 4. run it
work="$(mktemp -d)"
container=""
cleanup() { [ -n "$container" ] && docker rm -f "$container" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
# A Hugging Face cache holding the tiny model at a made-up commit under both release names, so the image and the
# command line find it under whichever repository is their default; readable by the image's user.
commit=0123456789abcdef0123456789abcdef01234567
for repo_dir in models--Zyphra--ZUNA models--Zyphra--ZUNA1.1; do
  snapshot="$work/hf/hub/$repo_dir/snapshots/$commit"
  mkdir -p "$snapshot" "$work/hf/hub/$repo_dir/refs"
  cp "$shared/fixtures/tiny/config.json" "$snapshot/config.json"
  cp "$shared/fixtures/tiny/model.safetensors" "$snapshot/model-00001-of-00001.safetensors"
  printf '%s' "$commit" > "$work/hf/hub/$repo_dir/refs/main"
done
chmod -R a+rX "$work/hf"

# Host networking (the daemon has no bridge), so the image's own port 8080 — which its HEALTHCHECK probes — must be free.
port=8080
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then log "port $port is in use on this machine; free it first"; exit 1; fi
container=$(docker run -d --network host --health-interval 3s --health-start-period 5s \
  -e HF_HUB_OFFLINE=1 -e Zuna__Model__Device=cpu \
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

# The same calls through the command line on this machine, against the same cache.
dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
zuna=(dotnet "$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll")
HF_HOME="$work/hf" HF_HUB_OFFLINE=1 "${zuna[@]}" embed "$recording" --device cpu --out "$work/cli_embed.safetensors" 2>/dev/null
HF_HOME="$work/hf" HF_HUB_OFFLINE=1 "${zuna[@]}" reconstruct "$recording" --device cpu --steps 2 --seed 7 --out "$work/cli_recon.safetensors" 2>/dev/null

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
echo "image ok"
