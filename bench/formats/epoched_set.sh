#!/usr/bin/env bash
# Read + epochs path of two generated epoched EEGLAB sets (64 ch, 500 Hz, 200 × 2 s; embedded and .fdt) with Zuna and
# MNE 1.3's read_epochs_eeglab, through bench/formats/run.sh's table (same runs, best of ${ZUNA_BENCH_REPEAT:-3}).
#   bench/formats/epoched_set.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$repo/bench/out/epoched-set"; mkdir -p "$out"
env -i /usr/bin/python3 "$repo/bench/formats/epoched_set.py" "$out"
ZUNA_BENCH_FILES="$out/b_embedded_64ch_200tr-epo.set $out/b_fdt_64ch_200tr-epo.set" bash "$repo/bench/formats/run.sh"
