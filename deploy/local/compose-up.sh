#!/usr/bin/env bash
# docker compose for real: zuna (CPU image, tiny model) and its PostgreSQL job store come up from the project's compose
# files plus deploy/local/docker-compose.local.yml; then a job submitted through zuna survives a new zuna container,
# because it and its result live in PostgreSQL:
#   1. daemon, Compose v2 (compose-plugin.sh: Debian trixie's docker-compose 2.26), images zuna:cpu (build-image.sh)
#      and local/postgres:17 (deploy/local/postgres, Debian's postgresql on the trixie root);
#   2. `up -d zuna` (postgres starts first, zuna waits for it to be healthy), wait until zuna is healthy;
#   3. submit an embeddings job with a recording, wait for it to succeed, fetch its result;
#   4. `up -d --force-recreate zuna` (a new container: nothing of the old one's file system is left), wait healthy;
#   5. the same job is still "succeeded", its result the same bytes, and the zuna_jobs table holds it;
#   6. `down -v` (containers, the project's volumes).
# Prints "compose ok" when all held. The otel collector, Prometheus, Grafana and Jaeger are not run (no images here).
#   deploy/local/compose-up.sh [SHARED_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
shared="${1:-${ZUNA_SHARED_DIR:-$repo/../shared}}"
[ -d "$shared/fixtures/tiny" ] || shared=/work/shared
log() { echo "[compose-up] $*" >&2; }

DOCKER_HOST="$("$repo/deploy/local/docker-daemon.sh")"
export DOCKER_HOST
compose_bin="$("$repo/deploy/local/compose-plugin.sh")"
"$repo/deploy/local/build-image.sh" >/dev/null
if ! docker image inspect local/debian:trixie >/dev/null 2>&1; then
  tar -C "$("$repo/deploy/local/debian-root.sh")" -c . | docker import - local/debian:trixie >/dev/null
fi
log "building local/postgres:17"
DOCKER_BUILDKIT=0 docker build --network host -q -t local/postgres:17 "$repo/deploy/local/postgres" >/dev/null

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The first free port from $1 on (another PostgreSQL or service on this machine must not fail the run); an explicit
# ZUNA_LOCAL_PORT / ZUNA_LOCAL_PG_PORT is taken as given and checked below.
free_port() { local p="$1"; while in_use "$p"; do p=$((p + 1)); done; echo "$p"; }
work="$(mktemp -d)"
export ZUNA_LOCAL_HF="$work/hf" ZUNA_LOCAL_PORT="${ZUNA_LOCAL_PORT:-$(free_port 18080)}" ZUNA_LOCAL_PG_PORT="${ZUNA_LOCAL_PG_PORT:-$(free_port 55432)}"
"$repo/deploy/local/tiny-hf-cache.sh" "$ZUNA_LOCAL_HF" "$shared"
compose=("$compose_bin" --project-directory "$repo" -p zuna-local -f "$repo/docker-compose.yml" -f "$repo/docker-compose.cpu.yml"
  -f "$repo/deploy/local/docker-compose.local.yml")
cleanup() { "${compose[@]}" down -v --timeout 10 >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
for port in "$ZUNA_LOCAL_PORT" "$ZUNA_LOCAL_PG_PORT"; do
  if in_use "$port"; then log "port $port is in use on this machine; set ZUNA_LOCAL_PORT / ZUNA_LOCAL_PG_PORT"; exit 1; fi
done
"${compose[@]}" down -v --timeout 10 >/dev/null 2>&1 || true # leftovers of an interrupted run

url="http://127.0.0.1:$ZUNA_LOCAL_PORT"
wait_healthy() {
  local id status=starting
  id="$("${compose[@]}" ps -q zuna)"
  for _ in $(seq 240); do
    status="$(docker inspect -f '{{.State.Health.Status}}' "$id")"
    [ "$status" = healthy ] && { echo "$id"; return; }
    [ "$(docker inspect -f '{{.State.Running}}' "$id")" = true ] || break
    sleep 1
  done
  "${compose[@]}" logs --tail 30 >&2; log "zuna not healthy: $status"; exit 1
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

log "up: zuna + postgres"
"${compose[@]}" up -d --quiet-pull zuna >&2
first="$(wait_healthy)"
log "zuna healthy (container ${first:0:12}); submitting a job"
job="$(curl -fsS -F "file=@$shared/data/fif/zuna__sample1_raw.fif" -F operation=embeddings "$url/v1/jobs/" | field id)"
state=queued
for _ in $(seq 120); do
  state="$(curl -fsS "$url/v1/jobs/$job" | field status)"
  case "$state" in succeeded|failed|canceled) break ;; esac
  sleep 1
done
[ "$state" = succeeded ] || { log "job $job ended $state"; exit 1; }
before="$(curl -fsS "$url/v1/jobs/$job/result" | sha256sum | cut -d' ' -f1)"
log "job $job succeeded, result sha256 ${before:0:16}…; recreating the zuna container"

"${compose[@]}" up -d --force-recreate --no-deps zuna >&2
second="$(wait_healthy)"
[ "$second" != "$first" ] || { log "zuna was not recreated"; exit 1; }
state="$(curl -fsS "$url/v1/jobs/$job" | field status)"
after="$(curl -fsS "$url/v1/jobs/$job/result" | sha256sum | cut -d' ' -f1)"
rows="$("${compose[@]}" exec -T postgres psql -U zuna -d zuna -tAc "SELECT count(*) FROM zuna_jobs WHERE id::text = '$job'")"
echo "job $job after recreating zuna (${first:0:12} -> ${second:0:12}): $state, result sha256 ${after:0:16}…, rows in postgres zuna_jobs: $rows"
[ "$state" = succeeded ] && [ "$after" = "$before" ] && [ "$rows" = 1 ] || { log "the job did not survive"; exit 1; }
echo "compose ok"
