#!/usr/bin/env bash
# Times FIF reading and the ZUNA preprocessing chain with Zuna (C#) and with MNE 1.3 (Debian python3-mne) on the
# shared FIF files plus 3-min and 60-min, 64-channel, 1000-Hz synthetic recordings (written once by `zuna bench preprocess
# --synthetic`), one process per file and tool so each peak RSS is that file's; best of 3 runs each (ZUNA_BENCH_REPEAT).
# Prints one Markdown table. First, end to end from the command line: a fresh `zuna preprocess` process (ReadyToRun publish)
# against a fresh MNE 1.3 process on the tutorial recording, start-up and writing included, alternating, best and median of
# ${ZUNA_BENCH_CLI_REPEAT:-7}. ZUNA_BENCH_CLI_ONLY=1 stops after that table.
#   bench/preprocess/run.sh [SHARED_DIR]     (default ../shared beside the repository, or $ZUNA_SHARED_DIR)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/data/fif" ] || shared=/work/shared
out="$repo/bench/out"
mkdir -p "$out"

# --- End to end: what a user waits for when calling the CLI on one small file -------------------------------------------
publish="$out/publish"
dotnet publish "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo -o "$publish" >/dev/null
tutorial="$shared/data/fif/zuna__sample1_raw.fif"
: > "$out/cli.tsv"
for _ in $(seq "${ZUNA_BENCH_CLI_REPEAT:-7}"); do
  s=$(date +%s%N); "$publish/zuna" preprocess "$tutorial" --out "$out/cli_zuna.safetensors" >/dev/null 2>&1; e=$(date +%s%N)
  z=$(( (e - s) / 1000000 ))
  s=$(date +%s%N); (cd "$repo/bench/preprocess" && /usr/bin/python3 mne_end_to_end.py "$tutorial" "$out/cli_mne.npy"); e=$(date +%s%N)
  printf '%s\t%s\n' "$z" $(( (e - s) / 1000000 )) >> "$out/cli.tsv"
done
/usr/bin/python3 - "$out/cli.tsv" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import statistics, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
z, m = [r[0] for r in rows], [r[1] for r in rows]
print(f"End to end, fresh process each, zuna__sample1_raw.fif (12 ch × 3840 @ 256 Hz), {len(rows)} alternating runs, load average {sys.argv[2]}:")
print()
print("| | zuna preprocess (ReadyToRun) ms | MNE 1.3 process ms | MNE / zuna |")
print("|---|---|---|---|")
print(f"| best | {min(z)} | {min(m)} | {min(m) / min(z):.1f}× |")
print(f"| median | {statistics.median(z):.0f} | {statistics.median(m):.0f} | {statistics.median(m) / statistics.median(z):.1f}× |")
print()
PY
[ "${ZUNA_BENCH_CLI_ONLY:-0}" = 1 ] && exit 0

dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
zuna=(dotnet "$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll")
warm="$shared/data/fif/zuna__sample1_raw.fif"

# Write the synthetic recording first (untimed); the second call below times it.
"${zuna[@]}" bench preprocess --synthetic "$out" --warmup "$warm" --json >/dev/null
"${zuna[@]}" bench preprocess --synthetic "$out" --synthetic-minutes 3 --warmup "$warm" --json >/dev/null
files=(
  "$shared/data/fif/zuna__sample1_raw.fif"
  "$shared/data/fif/derived/zuna__sample1_raw.fif.gz"
  "$shared/data/fif/bsl-datasets__resting_state_short-raw.fif"
  "$shared/data/fif/mne-python__brainvision_test_bin_raw.fif"
  "$shared/data/fif/fif_export__test_data-raw.fif"
  "$shared/data/fif/derived/fif_export__split_raw.fif"
  "$out/synthetic_3min_64ch_1000hz.fif"
  "$out/synthetic_60min_64ch_1000hz.fif"
)
: > "$out/zuna.jsonl"; : > "$out/mne.jsonl"
# Each file and tool runs ${ZUNA_BENCH_REPEAT:-3} times (alternating); the run with the lowest total wall time is kept, so a
# burst of load from other processes on a shared machine does not decide the table.
best() { /usr/bin/python3 -c 'import json,sys; rows=[json.loads(l) for l in sys.stdin if l.strip()]; print(json.dumps(min(rows, key=lambda r: r.get("TotalMs", r.get("total_ms")))))'; }
for f in "${files[@]}"; do
  : > "$out/zuna.runs"; : > "$out/mne.runs"
  for _ in $(seq "${ZUNA_BENCH_REPEAT:-3}"); do
    "${zuna[@]}" bench preprocess --warmup "$warm" --json "$f" >> "$out/zuna.runs"
    /usr/bin/python3 "$repo/bench/preprocess/mne_preprocess.py" --warmup "$warm" "$f" >> "$out/mne.runs"
  done
  best < "$out/zuna.runs" >> "$out/zuna.jsonl"
  best < "$out/mne.runs" >> "$out/mne.jsonl"
done

/usr/bin/python3 - "$out/zuna.jsonl" "$out/mne.jsonl" <<'PY'
import json, os, sys
z = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("| file | EEG ch × samples @ Hz | float32 MB | read ms zuna / MNE | ×| preprocess ms zuna / MNE | total ms zuna / MNE | × | CPU ms zuna / MNE | × | peak RSS MB zuna / MNE | zuna RSS / float32 | result |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for a, b in zip(z, m):
    name = a["File"]
    ratio = lambda x, y: f"{y / x:.1f}" if x > 0 else "-"
    print(f"| {name} | {a['Channels']} × {a['Samples']} @ {a['SampleRate']:g} | {a['Float32Mb']:.1f} "
          f"| {a['ReadMs']:.1f} / {b['read_ms']:.1f} | {ratio(a['ReadMs'], b['read_ms'])} "
          f"| {a['PreprocessMs']:.1f} / {b['preprocess_ms']:.1f} | {a['TotalMs']:.1f} / {b['total_ms']:.1f} "
          f"| {ratio(a['TotalMs'], b['total_ms'])} | {a['CpuMs']:.0f} / {b['cpu_ms']:.0f} | {ratio(a['CpuMs'], b['cpu_ms'])} "
          f"| {a['PeakRssMb']:.0f} / {b['peak_rss_mb']:.0f} "
          f"| {a['PeakRssMb'] / max(a['Float32Mb'], 1e-9):.1f} | {a['Result'][:40]} |")
PY
