#!/usr/bin/env bash
# Run the whole test suite: `./test.sh` (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
export PATH="$HOME/.local/bin:$PATH"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
exec uv run --frozen pytest "$@"
