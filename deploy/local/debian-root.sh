#!/usr/bin/env bash
# Prints the path of a Debian trixie root file system (debootstrap minbase, ~45 s the first time; kept under
# $ZUNA_DOCKER_DIR, default /var/tmp/zuna-docker). The stand-in base images (build-image.sh), the PostgreSQL stand-in
# and Debian's docker-compose package (compose-plugin.sh) all start from it. Treat it as read-only: copy it to change it.
set -euo pipefail
state="${ZUNA_DOCKER_DIR:-/var/tmp/zuna-docker}"
mkdir -p "$state"
if [ ! -x "$state/rootfs/bin/sh" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  echo "[debian-root] debootstrap trixie into $state/rootfs" >&2
  rm -rf "$state/rootfs"
  debootstrap --variant=minbase --include=ca-certificates,libicu76,libgomp1 trixie "$state/rootfs" >"$state/debootstrap.log" 2>&1
fi
echo "$state/rootfs"
