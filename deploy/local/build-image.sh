#!/usr/bin/env bash
# Builds our CPU image (tag zuna:cpu) with locally built stand-in base images, on a machine whose only network is the
# package registries, and prints the tag:
#   1. a private Docker daemon (docker-daemon.sh; no iptables, no bridge);
#   2. stand-in base images from a Debian root file system (debian-root.sh) with this machine's .NET SDK copied in —
#      the SDK stand-in carries the host's CA bundle so NuGet restores inside the build; the runtime stand-in does not,
#      so the published image never contains it;
#   3. our Dockerfile built with those bases (build arguments SDK_IMAGE / RUNTIME_IMAGE).
#   export DOCKER_HOST="$(deploy/local/docker-daemon.sh)"; deploy/local/build-image.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
state="${ZUNA_DOCKER_DIR:-/var/tmp/zuna-docker}"
log() { echo "[build-image] $*" >&2; }
DOCKER_HOST="$("$repo/deploy/local/docker-daemon.sh")"
export DOCKER_HOST

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_image=local/dotnet-sdk:10.0
runtime_image=local/dotnet-aspnet:10.0
make_base() { # tag, with_sdk (1|0)
  local tag=$1 with_sdk=$2 root="$state/rootfs-$2"
  if docker image inspect "$tag" >/dev/null 2>&1; then return; fi
  rm -rf "$root"
  cp -a "$("$repo/deploy/local/debian-root.sh")" "$root"
  mkdir -p "$root/usr/share/dotnet"
  if [ "$with_sdk" = 1 ]; then
    cp -a "$dotnet_root/." "$root/usr/share/dotnet/"
    # NuGet inside the build trusts what this machine trusts (a TLS-inspecting proxy's root, for one).
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  else
    cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$root/usr/share/dotnet/"
  fi
  ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  chroot "$root" sh -c 'id app >/dev/null 2>&1 || useradd --uid 1654 --create-home app'
  log "importing $tag"
  tar -C "$root" -c . | docker import \
    --change 'ENV APP_UID=1654' --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$tag" >/dev/null
}
make_base "$sdk_image" 1
make_base "$runtime_image" 0

log "building zuna:cpu"
DOCKER_BUILDKIT=0 docker build --network host -q -t zuna:cpu \
  --build-arg TORCH_BACKEND=cpu --build-arg SDK_IMAGE="$sdk_image" --build-arg RUNTIME_IMAGE="$runtime_image" "$repo" >/dev/null
if docker run --rm --entrypoint sh zuna:cpu -c 'grep -q "BEGIN CERT" /etc/ssl/certs/ca-certificates.crt && cmp -s /etc/ssl/certs/ca-certificates.crt /host-ca 2>/dev/null'; then
  log "the published image carries the host CA bundle"; exit 1
fi
echo zuna:cpu
