#!/usr/bin/env bash
# Run the whole test suite: `./test.sh` (extra arguments go to pytest, run as given).
#
# Without arguments it runs in two parts: first every test that does not measure time, spread
# over the machine's cores (pytest-xdist: each worker has its own services and PostgreSQL
# cluster); then, alone, the tests that time things (real X server and key timings, crash loops,
# response-time comparisons: marked `xvfb`, `slow` or `serial`), so no neighbour skews them.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh  # puts uv on PATH
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
if [ "$#" -gt 0 ]; then
  exec uv run --frozen pytest "$@"
fi
TIMED="xvfb or slow or serial"
workers="$(nproc 2>/dev/null || echo 2)"
[ "$workers" -ge 2 ] || workers=2
[ "$workers" -le 4 ] || workers=4
status=0
uv run --frozen pytest -n "$workers" -m "not ($TIMED)" || status=$?
uv run --frozen pytest -m "$TIMED" || status=$?
exit "$status"
