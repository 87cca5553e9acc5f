#!/usr/bin/env bash
# Run the whole test suite: `./test.sh` (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh  # puts uv on PATH
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
exec uv run --frozen pytest "$@"
