#!/usr/bin/env bash
# Read + preprocess time of each non-FIF corpus recording (../shared/data/formats) with Zuna (C#) and MNE 1.3 (Debian
# python3-mne), in the same run; best of ${ZUNA_BENCH_REPEAT:-3} per file and tool. Prints one Markdown table.
#   bench/formats/run.sh [SHARED_DIR]      (ZUNA_BENCH_FILES="a b …" measures those files instead)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/data/formats" ] || shared=/work/shared
d="$shared/data/formats"
out="$repo/bench/out"; mkdir -p "$out"
dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
zuna=(dotnet "$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll")
files=(
  "$d/edf/eeglab/test.edf" "$d/edf/mne-python/test_stim_channel.edf" "$d/edf/synthetic/s_edf_mixed_rates.edf"
  "$d/edf/synthetic/s_edfplus_annot_19ch_256hz.edf" "$d/bdf/synthetic/s_bdf_biosemi32_status_512hz.bdf"
  "$d/bdf/synthetic/s_bdfplus_annot_16ch_1024hz.bdf" "$d/brainvision/mne-python/test.vhdr"
  "$d/brainvision/synthetic/s_bv_int16_mux_24ch_500hz.vhdr" "$d/csv/synthetic/s_csv_12ch_250hz.csv"
  "$d/eeglab/eeglab/eeglab_data.set" "$d/eeglab/synthetic/s_set_fdt_chanlocs_20ch_250hz.set"
  "$d/eeglab/synthetic/s_set_embedded_nolocs_16ch_128hz.set" "$d/eeglab/synthetic/s_set_v73_12ch_200hz.set"
  "$d/epo/synthetic/s_epochs_16ch_500hz-epo.fif"
)
# A plain .npy array with its JSON sidecar (names, rate, units), made from the synthetic CSV: the corpus has no .npy.
env -i /usr/bin/python3 - "$d/csv/synthetic/s_csv_12ch_250hz.csv" "$out/s_npy_12ch_250hz.npy" <<'PY'
import json, sys
import numpy as np
lines = [l for l in open(sys.argv[1]) if not l.startswith("#") and l.strip()]
names = [s.strip() for s in lines[0].split(",")][1:]
x = np.loadtxt(lines[1:], delimiter=",", ndmin=2)
np.save(sys.argv[2], (x[:, 1:].T * 1e6).astype(np.float32))   # [channels, samples] in µV
json.dump({"channel_names": names, "sfreq": round(1.0 / (x[1, 0] - x[0, 0]), 3), "units": "uV"},
          open(sys.argv[2][:-4] + ".json", "w"))
PY
files+=("$out/s_npy_12ch_250hz.npy")
# Other recordings instead, space-separated (bench/formats/epoched_set.sh passes its generated files this way).
if [ -n "${ZUNA_BENCH_FILES:-}" ]; then read -ra files <<< "$ZUNA_BENCH_FILES"; fi
best() { env -i /usr/bin/python3 -c 'import json,math,sys; rows=[json.loads(l) for l in sys.stdin if l.strip()]; t=lambda r: r.get("TotalMs", r.get("total_ms")); print(json.dumps(min(rows, key=lambda r: math.inf if t(r) != t(r) else t(r))))'; }
: > "$out/formats-zuna.jsonl"; : > "$out/formats-mne.jsonl"
for f in "${files[@]}"; do
  : > "$out/z.runs"; : > "$out/m.runs"
  for _ in $(seq "${ZUNA_BENCH_REPEAT:-3}"); do
    "${zuna[@]}" bench preprocess --warmup "$f" --json "$f" >> "$out/z.runs"
    env -i /usr/bin/python3 "$repo/bench/formats/mne_formats.py" "$f" >> "$out/m.runs"
  done
  best < "$out/z.runs" >> "$out/formats-zuna.jsonl"
  best < "$out/m.runs" >> "$out/formats-mne.jsonl"
done
env -i /usr/bin/python3 - "$out/formats-zuna.jsonl" "$out/formats-mne.jsonl" <<'PY'
import json, sys
z = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("| file | read ms zuna / MNE | read + preprocess ms zuna / MNE | × | result zuna / MNE |")
print("|---|---|---|---|---|")
for a, b in zip(z, m):
    print(f"| {a['File']} | {a['ReadMs']:.1f} / {b['read_ms']:.1f} | {a['TotalMs']:.1f} / {b['total_ms']:.1f} | "
          f"{b['total_ms'] / a['TotalMs']:.1f} | {a['Result']} / {b['result']} |".replace("nan", "—"))
PY
