#!/usr/bin/env bash
# Lays out the tiny fixture model as a Hugging Face cache in DIR (hub/models--Zyphra--ZUNA and --ZUNA1.1, at a made-up
# commit), readable by any user, so the image (HF_HOME=/data/huggingface, offline) and the command line both find it
# under whichever release name is their default.
#   deploy/local/tiny-hf-cache.sh DIR SHARED_DIR
set -euo pipefail
dir="$1" shared="$2"
commit=0123456789abcdef0123456789abcdef01234567
for repo_dir in models--Zyphra--ZUNA models--Zyphra--ZUNA1.1; do
  snapshot="$dir/hub/$repo_dir/snapshots/$commit"
  mkdir -p "$snapshot" "$dir/hub/$repo_dir/refs"
  cp "$shared/fixtures/tiny/config.json" "$snapshot/config.json"
  cp "$shared/fixtures/tiny/model.safetensors" "$snapshot/model-00001-of-00001.safetensors"
  printf '%s' "$commit" > "$dir/hub/$repo_dir/refs/main"
done
chmod -R a+rX "$dir"
