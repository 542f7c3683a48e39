#!/usr/bin/env bash
# Job store numbers for the README: per-job latency of each store against the in-memory one, jobs per second with the
# tiny model, and the time a PostgreSQL fleet takes to re-queue the job of a replica killed with SIGKILL.
#   [REPEAT=3] [LATENCY_JOBS=20] bench/jobs/run.sh [SHARED_DIR]   (needs PostgreSQL 15 server binaries, as the tests do; run as root or postgres)
# ZUNA_DLL overrides the build. REPEAT runs the three stores that many times (medians over the runs), each run
# measuring memory, sqlite and postgres one after the other so they share the machine's load. Prints Markdown tables:
# latencies and throughput, then the mean time of each job-store step (zuna_phase_duration_seconds{phase="job_*"}).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/fixtures/tiny" ] || shared=/work/shared
if [ -z "${ZUNA_DLL:-}" ]; then
  dotnet build "$repo/Zuna.Api/Zuna.Api.csproj" -c Release -v q -nologo >/dev/null
  ZUNA_DLL="$repo/Zuna.Api/bin/Release/net10.0/linux-x64/zuna.dll"
fi
exec python3 "$repo/bench/jobs/jobs_bench.py" "$ZUNA_DLL" "$shared"
