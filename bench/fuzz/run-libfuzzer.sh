#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers behind RecordingLoader.Default: libFuzzer (front end built here from
# driver/zuna-libfuzzer.cc with Debian's clang) drives the .NET harness (harness/, SharpFuzz), of which only
# Zuna.Engine.dll is instrumented. One reader at a time, niced.
#   bench/fuzz/run-libfuzzer.sh [runs per reader, default 1000000] [readers..., default: fif safetensors edf bdf vhdr csv set npy]
# Where the executions of a reader go (plain build, no fuzzer): dotnet $work/build/Zuna.Fuzz.dll time <reader> <corpus dir>
# ZUNA_FUZZ_MAX_SECONDS (default: no limit) ends a reader's run early on a busy machine; the summary says how far it got.
# A reader is named by its format or one of its extensions, so a reader added to the registry is fuzzed by naming it.
# Crashes: any exception that is not a ZunaInputException, a hang over 60 s of wall time (-timeout; generous because
# the shared machine runs at load 50+ and a niced process waits for CPU: a 10 s limit flagged an EDF input that takes
# 1 s of CPU), a managed allocation beyond 64 MiB + 64 bytes per input byte (checked by the harness), or an allocation
# past the 1 GiB GC heap limit (OutOfMemoryException). libFuzzer's own -rss_limit_mb only sees the front-end process, hence the checks in .NET.
# Findings land in bench/fuzz/crashes/<reader>/; one summary line per reader goes to stdout and $work/summary.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-1000000}"; shift || true
readers=("$@"); [ ${#readers[@]} -gt 0 ] || readers=(fif safetensors edf bdf vhdr csv set npy)
shared="${ZUNA_SHARED_DIR:-$(cd .. && pwd)/shared}"
work="${ZUNA_FUZZ_DIR:-/var/tmp/zuna-fuzz}"
mkdir -p "$work"

# Tools: clang with libFuzzer's runtime (Debian), the SharpFuzz instrumenter (a NuGet dotnet tool).
if ! command -v clang++-14 >/dev/null || [ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-14 libclang-rt-14-dev >/dev/null
fi
[ -x "$work/tool/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tool" >/dev/null
clang++-14 -O1 -g -fsanitize=fuzzer -o "$work/zuna-libfuzzer" bench/fuzz/driver/zuna-libfuzzer.cc

# The harness, with the engine instrumented in its output folder only (the repository's build stays untouched).
# Seeds are made by the plain build (instrumented code cannot run outside the fuzzer), then a fresh copy is instrumented.
# ZUNA_FUZZ_REUSE=1 keeps the previous run's build, seeds and instrumented copy (a busy machine builds for minutes).
if [ "${ZUNA_FUZZ_REUSE:-0}" != 1 ] || [ ! -e "$work/bin/Zuna.Fuzz.dll" ]; then
  MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 \
    dotnet build bench/fuzz/harness/Zuna.Fuzz.csproj -c Release -v q -nologo -o "$work/build" >/dev/null
  rm -rf "$work/seeds" && dotnet "$work/build/Zuna.Fuzz.dll" seeds "$shared" "$work/seeds"
  # Small EEGLAB seeds that match the harness's fuzz.fdt (needs Debian's python3-scipy; without it, the shared sets only).
  /usr/bin/python3 bench/fuzz/set_seeds.py "$work/seeds/set" 2>/dev/null || echo "no scipy: EEGLAB fuzzed from the shared seeds only" >&2
  rm -rf "$work/bin" && cp -a "$work/build" "$work/bin"
  "$work/tool/sharpfuzz" "$work/bin/Zuna.Engine.dll" >/dev/null
fi

printf 'reader\texecutions\texec_per_s\tcoverage\tfeatures\tcorpus\tcrashes\n' | tee "$work/summary.tsv"
failed=0
for reader in "${readers[@]}"; do
  crashes="bench/fuzz/crashes/$reader"; mkdir -p "$crashes" "$work/corpus/$reader"
  log="$work/$reader.log"
  seeds="$work/seeds/$reader"; [ -d "$seeds" ] || seeds=""
  set +e
  # One libtorch thread: the FFT resampler's batched transforms otherwise spin OpenMP threads at barriers, and two
  # readers fuzzed side by side (one per core) would crowd each other.
  OMP_NUM_THREADS=1 ZUNA_FUZZ_READER="$reader" DOTNET_GCHeapHardLimit=0x40000000 nice -n 10 "$work/zuna-libfuzzer" \
    --target=dotnet --target_arg="$work/bin/Zuna.Fuzz.dll" -runs="$runs" -max_total_time="${ZUNA_FUZZ_MAX_SECONDS:-0}" -timeout=60 -report_slow_units=60 -max_len=32768 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work/corpus/$reader" $seeds >"$log" 2>&1
  rc=$?
  set -e
  done_line="$(grep -E '^#[0-9]+\s+(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1)"
  stat() { grep -o "^stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$'; }
  field() { echo "$done_line" | grep -o "$1: *[0-9]*" | grep -o '[0-9]*$'; }
  found="$(find "$crashes" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$reader" "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" \
    "$(field cov)" "$(field ft)" "$(find "$work/corpus/$reader" -type f | wc -l)" "$found" | tee -a "$work/summary.tsv"
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then failed=1; echo "  $reader: libFuzzer exit $rc, see $log" >&2; fi
done
exit "$failed"
