#!/usr/bin/env bash
# Mutation fuzzing of RecordingLoader.Default for N seconds (default 120), seeded from the shared FIF files and the
# preprocessed-safetensors fixture. Crashes (any exception that is not a typed ZunaInputException) land in bench/fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-120}"
shared="${ZUNA_SHARED_DIR:-$(cd .. && pwd)/shared}"
mapfile -t seeds < <(find "$shared/data/fif" -maxdepth 2 -name '*.fif' -size -1000k; echo "$shared/fixtures/preprocess/preprocess.safetensors")
dotnet run bench/fuzz/fuzz.cs -- "$seconds" "${seeds[@]}"
