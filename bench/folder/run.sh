#!/usr/bin/env bash
# Folder mode with and without overlap, in the same run on the same recordings: wall time of
# `zuna reconstruct <folder> --out-dir` with the tiny fixture model, runs alternating between the two modes.
# Prints one Markdown table: the process's wall time and the folder run's own time (the summary line, which leaves
# out process start and model load).
#   bench/folder/run.sh [SHARED_DIR]      ZUNA_BENCH_REPEAT (3), ZUNA_BENCH_STEPS (8), ZUNA_BENCH_COPIES (2),
#                                         ZUNA_DLL (a built zuna.dll; default: build Release first)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/data" ] || shared=/work/shared
if [ -z "${ZUNA_DLL:-}" ]; then
  dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
  ZUNA_DLL="$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll"
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/in"
# Recordings of several formats and lengths, each copied ZUNA_BENCH_COPIES times under its own name.
for i in $(seq "${ZUNA_BENCH_COPIES:-2}"); do
  cp "$shared/data/fif/fif_export__test_data-raw.fif" "$work/in/test_data_$i-raw.fif"
  cp "$shared/data/formats/bdf/synthetic/s_bdf_biosemi32_status_512hz.bdf" "$work/in/biosemi_$i.bdf"
  cp "$shared/data/fif/zuna__sample1_raw.fif" "$work/in/sample1_${i}_raw.fif"
  cp "$shared/data/formats/edf/eeglab/test.edf" "$work/in/eeglab_$i.edf"
done
count=$(ls "$work/in" | wc -l)
echo "| mode | run | recordings | wall s | folder run s |"
echo "|---|---|---|---|---|"
for run in $(seq "${ZUNA_BENCH_REPEAT:-3}"); do
  for mode in overlap no-overlap; do
    rm -rf "$work/out"
    flag=(); [ "$mode" = no-overlap ] && flag=(--no-overlap)
    start=$(date +%s.%N)
    dotnet "$ZUNA_DLL" reconstruct "$work/in" --out-dir "$work/out" --model-dir "$shared/fixtures/tiny" --device cpu \
      --steps "${ZUNA_BENCH_STEPS:-8}" --progress plain "${flag[@]}" > "$work/stdout" 2> "$work/stderr" \
      || { cat "$work/stderr" >&2; exit 1; }
    end=$(date +%s.%N)
    inner=$(sed -n 's/.* recordings\? in \([0-9.]*\) s\.$/\1/p' "$work/stdout")
    echo "| $mode | $run | $count | $(echo "$end - $start" | bc -l | xargs printf '%.1f') | $inner |"
  done
done
