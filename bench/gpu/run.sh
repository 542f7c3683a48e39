#!/usr/bin/env bash
# The model benchmark and the fixture parity tests on a GPU, with one summary table at the end.
#
#   bench/gpu/run.sh                  CUDA: builds the CUDA image (Dockerfile, --build-arg TORCH_BACKEND=cuda) unless
#                                     $ZUNA_IMAGE (default zuna:cuda) exists, runs `zuna bench model --device cuda` at
#                                     12 and 64 channels in float32 and bfloat16 in it (docker run --gpus all), then the
#                                     end-to-end fixture parity tests (tiny, mid, zuna11) on cuda in the image's build
#                                     stage (SDK + CUDA libtorch; the CUDA packages are not on our mirror, the build
#                                     stage fetches them from NuGet). Needs docker, the NVIDIA Container Toolkit, a
#                                     driver for CUDA 12.8 (r570+) and network access for the first build.
#   bench/gpu/run.sh --device cpu     The same steps from this checkout on the CPU (no docker): a smoke check that the
#                                     script, the options and the table work. Small by default (ZUNA_GPU_LAYERS=2
#                                     layers, 1 timed step); its timings mean nothing.
# Environment: ZUNA_SHARED_DIR (fixtures; default ../shared beside the repository), ZUNA_IMAGE, ZUNA_GPU_LAYERS,
# ZUNA_GPU_STEPS, ZUNA_GPU_NO_BUILD=1 (CPU: use the existing Debug build).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${ZUNA_SHARED_DIR:-$repo/../shared}"
[ -d "$shared/fixtures" ] || shared=/work/shared
device=cuda
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    *) echo "usage: bench/gpu/run.sh [--device cuda|cpu]" >&2; exit 2 ;;
  esac
done
out="$repo/bench/out/gpu-$device"
mkdir -p "$out"
# Only the model-level parity tests that go through ZunaEngine (they move their inputs to the engine's device).
parity_filter='FullyQualifiedName~Encoder_latents_match|FullyQualifiedName~Reconstruct_end_to_end_matches'

if [ "$device" = cpu ]; then
  layers="${ZUNA_GPU_LAYERS:-2}"; steps="${ZUNA_GPU_STEPS:-1}"
  if [ "${ZUNA_GPU_NO_BUILD:-0}" != 1 ]; then dotnet build "$repo/Zuna.slnx" -v q -nologo >/dev/null; fi
  dotnet "$repo/Zuna.Api/bin/Debug/net10.0/linux-x64/zuna.dll" bench model --device cpu --channels 12,64 \
    --dtypes float32,bfloat16 --steps "$steps" --layers "$layers" --threads 2 | tee "$out/bench.md"
  (cd "$repo" && ZUNA_SHARED_DIR="$shared" ZUNA_TEST_DEVICE=cpu dotnet test Zuna.Api.Tests --no-build \
    --filter "$parity_filter" 2>&1) | tee "$out/parity.log" || true
else
  layers="${ZUNA_GPU_LAYERS:-16}"; steps="${ZUNA_GPU_STEPS:-5}"
  image="${ZUNA_IMAGE:-zuna:cuda}"
  if ! docker image inspect "$image" >/dev/null 2>&1; then
    docker build -t "$image" --build-arg TORCH_BACKEND=cuda "$repo"
  fi
  docker build -t "$image-build" --target build --build-arg TORCH_BACKEND=cuda "$repo"
  docker run --rm --gpus all "$image" bench model --device cuda --channels 12,64 --dtypes float32,bfloat16 \
    --steps "$steps" --layers "$layers" --threads 4 | tee "$out/bench.md"
  # The tests build inside the SDK stage from a copy of this checkout (the bind mount stays read-only and clean).
  docker run --rm --gpus all -v "$repo:/checkout:ro" -v "$shared:/shared:ro" -e ZUNA_SHARED_DIR=/shared \
    -e ZUNA_TEST_DEVICE=cuda "$image-build" bash -c \
    "cp -r /checkout /tmp/zuna && cd /tmp/zuna && rm -rf */bin */obj && dotnet test Zuna.Api.Tests -p:TorchBackend=cuda --filter '$parity_filter'" \
    2>&1 | tee "$out/parity.log" || true
fi

# One table: per dtype and channel count the encoder and decoder times, then the parity verdict.
python3 - "$out/bench.md" "$out/parity.log" "$device" <<'PY'
import re, sys
bench, parity, device = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
print()
print(f"## bench/gpu/run.sh summary ({device})")
print()
print("| dtype | channels | tokens | encode s/epoch | decode s/step | 50-step epoch s | decode GFLOP/s |")
print("|---|---|---|---|---|---|---|")
for line in bench.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) >= 10 and cells[0] in ("float32", "bfloat16"):
        wall = lambda c: c.split(" ")[0]
        print(f"| {cells[0]} | {cells[1]} | {cells[2]} | {wall(cells[5])} | {wall(cells[7])} | {wall(cells[9])} | {wall(cells[8])} |")
m = re.search(r"(Passed!|Failed!)\s*-\s*Failed:\s*(\d+),\s*Passed:\s*(\d+)", parity)
print()
print(f"fixture parity on {device}: " + (f"{m.group(3)} passed, {m.group(2)} failed" if m else "no test result (see parity.log)"))
PY
