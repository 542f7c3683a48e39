#!/usr/bin/env bash
# Makes a Docker daemon available without touching the host's network (no iptables, no bridge: containers use
# --network host) and prints the DOCKER_HOST to use. Installs docker.io and debootstrap when missing.
#   export DOCKER_HOST="$(deploy/local/docker-daemon.sh)"
set -euo pipefail
state="${ZUNA_DOCKER_DIR:-/var/tmp/zuna-docker}"
mkdir -p "$state"
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "[docker-daemon] installing docker.io and debootstrap" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi
export DOCKER_HOST="unix://$state/docker.sock"
if ! docker info >/dev/null 2>&1; then
  echo "[docker-daemon] starting dockerd (data in $state)" >&2
  nohup dockerd --iptables=false --ip6tables=false --bridge=none --data-root "$state/data" --exec-root "$state/exec" \
    --pidfile "$state/dockerd.pid" -H "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "[docker-daemon] dockerd did not start: $(tail -5 "$state/dockerd.log")" >&2; exit 1; }
fi
echo "$DOCKER_HOST"
