#!/usr/bin/env bash
# Run the product with its demo data: `./run.sh` (extra arguments go to the program).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh  # puts uv on PATH
# With a screen: the terminal's windows on the embedded demo central service (`hdf-pos --demo`).
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; then
  exec uv run --frozen hdf-pos --demo "$@"
fi
echo "run.sh: no display here; starting the demo central service alone" \
  "(on a desktop: uv run hdf-pos --demo)" >&2
exec uv run --frozen hdf-central serve --demo "$@"
