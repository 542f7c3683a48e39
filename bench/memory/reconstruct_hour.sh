#!/usr/bin/env bash
# Peak RSS of the service answering one reconstruction of an hour-long, 64-channel, 1000-Hz recording (921 MB FIF
# upload, 720 epochs) with the tiny fixture model and one diffusion step, so the figure is the data path's memory
# (upload, parse, preprocess, queue, output, response), not the model's. Prints one Markdown table row.
#   bench/memory/reconstruct_hour.sh [SHARED_DIR]
# ZUNA_DLL overrides the build (to measure an older checkout: its zuna.dll after `dotnet build -c Release`).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/fixtures/tiny" ] || shared=/work/shared
out="$repo/bench/out"
mkdir -p "$out"
if [ -z "${ZUNA_DLL:-}" ]; then
  dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
  ZUNA_DLL="$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll"
fi
recording="$out/synthetic_60min_64ch_1000hz.fif"
[ -f "$recording" ] || dotnet "$ZUNA_DLL" bench preprocess --synthetic "$out" --warmup "$shared/data/fif/zuna__sample1_raw.fif" --json >/dev/null

port=$(( 20000 + RANDOM % 20000 ))
Zuna__Limits__MaxUploadBytes=$((2 * 1024 * 1024 * 1024)) Zuna__Limits__RequestTimeoutSeconds=3600 \
Zuna__Model__Path="$shared/fixtures/tiny" Zuna__Model__Device=cpu Serilog__MinimumLevel__Default=Warning \
  dotnet "$ZUNA_DLL" --urls "http://127.0.0.1:$port" > "$out/reconstruct_hour.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
ready_rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
start=$(date +%s.%N)
code=$(curl -s -o "$out/reconstruct_hour.safetensors" -w '%{http_code}' \
  -F "file=@$recording" -F steps=1 -F seed=1 "http://127.0.0.1:$port/v1/reconstructions")
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
bytes=$(stat -c %s "$out/reconstruct_hour.safetensors")
[ "$code" = 200 ] || { echo "HTTP $code"; cat "$out/reconstruct_hour.safetensors" | head -c 400; exit 1; }
printf '| %s | %d | %d | %d | %.1f |\n' "$(git -C "$repo" rev-parse --short HEAD)" $((ready_rss / 1024)) $((peak / 1024)) \
  $((bytes / 1024 / 1024)) "$(echo "$end - $start" | bc)"
