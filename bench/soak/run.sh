#!/usr/bin/env bash
# Soak test: `zuna bench load` at steady concurrency for N minutes against one running service (the batching-on half of
# bench load; the process is stopped before its batching-off half), RSS of that process sampled every few seconds.
# Prints p99 / 429s / other errors per segment over time, and RSS growth after the first (warm-up) segment.
#
#   bench/soak/run.sh [minutes=3] [clients=4] [tiny|full]
#     tiny: the fixture model from shared/fixtures/tiny (default)
#     full: a full-size ZUNA1.1 checkpoint with random weights, written once by `zuna bench model --save-random`
# Needs a built tree (dotnet build Zuna.slnx); ZUNA_SHARED_DIR (default ../shared beside the repo) for the model and FIF.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-3}"; clients="${2:-4}"; variant="${3:-tiny}"
segment=30                                   # seconds per bench row = one point of "p99 over time"
sample_every=5                               # seconds between RSS samples
shared="${ZUNA_SHARED_DIR:-$(cd .. && pwd)/shared}"
dll="$(find Zuna.Api/bin -name zuna.dll -path '*Debug*' -print -quit)"
[ -n "$dll" ] || { echo "build first: dotnet build Zuna.slnx" >&2; exit 2; }
fif="$shared/data/fif/zuna__sample1_raw.fif"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

case "$variant" in
  tiny) model="$shared/fixtures/tiny" ;;
  full) model="$work/full-random"; dotnet "$dll" bench model --save-random "$model" >/dev/null ;;
  *) echo "variant must be tiny or full" >&2; exit 2 ;;
esac

rows=$(( minutes * 60 / segment )); [ "$rows" -ge 2 ] || rows=2
list="$(for _ in $(seq "$rows"); do printf '%s,' "$clients"; done)"; list="${list%,}"
dotnet "$dll" bench load --model-dir "$model" --file "$fif" --clients "$list" --seconds "$segment" >"$work/load.md" 2>"$work/load.err" &
pid=$!
start=$(date +%s)
: >"$work/rss.tsv"
# Sample until the batching-on rows are all printed, then stop the bench (its batching-off half is not part of the soak).
while kill -0 "$pid" 2>/dev/null; do
  rss_kb="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
  [ -n "$rss_kb" ] && printf '%s\t%s\n' "$(( $(date +%s) - start ))" "$rss_kb" >>"$work/rss.tsv"
  if [ "$(grep -c '^| on |' "$work/load.md" || true)" -ge "$rows" ]; then kill "$pid"; break; fi   # SIGTERM ends bench load
  sleep "$sample_every"
done
# SIGTERM normally ends it within seconds; with a full-size model a request in flight can hold the in-process host's
# drain for minutes, and the batching-off half is not part of the soak, so fall back to SIGKILL after 20 s.
for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ "$(grep -c '^| on |' "$work/load.md" || true)" -ge "$rows" ] || { cat "$work/load.md" "$work/load.err" >&2; echo "bench load failed" >&2; exit 1; }

echo "# soak: $variant model, $clients clients, $minutes min ($rows segments of $segment s), $(nproc) cores"
echo
echo "| minute | requests/s | p50 ms | p99 ms | 429 | other errors | RSS MB (end of segment) |"
echo "|---|---|---|---|---|---|---|"
i=0
grep '^| on |' "$work/load.md" | head -n "$rows" | while IFS='|' read -r _ _ _ rate _ p50 p99 rejected errors _ rss_after _; do
  i=$(( i + 1 ))
  printf '| %.1f | %s | %s | %s | %s | %s | %s |\n' "$(echo "$i * $segment / 60" | bc -l)" \
    "$(echo $rate)" "$(echo $p50)" "$(echo $p99)" "$(echo $rejected)" "$(echo $errors)" "$(echo $rss_after)"
done
echo
# RSS is read at the end of each segment (the last raw sample may fall after the batching-on server stopped). Warm-up
# is the first segment; a single reading swings with the GC's timing, so for runs of ten minutes or more the medians
# of the first and the last five minutes after warm-up are given too.
grep '^| on |' "$work/load.md" | head -n "$rows" | awk -F'|' -v seg="$segment" -v min="$minutes" '
  { rss[NR] = $11 + 0 }
  END {
    printf "RSS at segment ends after warm-up: %d MB -> %d MB (%+.1f %%), peak %d MB\n", rss[2], rss[NR], (rss[NR] - rss[2]) * 100 / rss[2], peak()
    if (min >= 10) {
      w = int(300 / seg); e = median(2, 1 + w); l = median(NR - w + 1, NR)
      printf "RSS median, first vs last 5 min after warm-up: %.0f MB -> %.0f MB (%+.1f %%)\n", e, l, (l - e) * 100 / e
    }
  }
  function peak(   i, p) { for (i = 1; i <= NR; i++) if (rss[i] > p) p = rss[i]; return p }
  function median(a, b,   i, j, n, v, t) {
    n = 0; for (i = a; i <= b; i++) v[++n] = rss[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }'
grep '^| on |' "$work/load.md" | head -n "$rows" | awk -F'|' '{ r += $8; e += $9 } END { printf "errors by status: 429 = %d, other = %d\n", r, e }'
grep '^bench load: ' "$work/load.err" || true   # one line per other error: time, status, problem
