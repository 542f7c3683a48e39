#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 binary. Debian 12's docker-compose is 1.29, which cannot read our files
# (top-level name:, !reset in docker-compose.cpu.yml); Debian 13 (trixie) packages Compose 2.26 as docker-compose, a Go
# program needing only libc. So: install that package into a copy of the trixie root (debian-root.sh) with apt and keep
# its binary as $ZUNA_DOCKER_DIR/docker-compose (it works as a standalone command).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
state="${ZUNA_DOCKER_DIR:-/var/tmp/zuna-docker}"
if [ ! -x "$state/docker-compose" ]; then
  root="$(mktemp -d "$state/compose-root.XXXX")"
  trap 'rm -rf "$root"' EXIT
  cp -a "$("$repo/deploy/local/debian-root.sh")/." "$root/"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  echo "[compose-plugin] apt-get install docker-compose (trixie)" >&2
  chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose' \
    >"$state/compose-plugin.log" 2>&1 || { tail -5 "$state/compose-plugin.log" >&2; exit 1; }
  cp "$root/usr/libexec/docker/cli-plugins/docker-compose" "$state/docker-compose"
fi
echo "$state/docker-compose"
