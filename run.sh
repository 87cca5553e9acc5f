#!/usr/bin/env bash
# Run the product with its demo data: `./run.sh` (extra arguments go to the program).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/bootstrap.sh
export PATH="$HOME/.local/bin:$PATH"
exec uv run --frozen hdf-central serve --demo "$@"
