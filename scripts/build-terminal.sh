#!/usr/bin/env bash
# Build the terminal as a self-contained application: dist/hdf-pos/ (PyInstaller, one folder)
# and dist/hdf-pos-<version>-linux-x86_64.tar.gz (a .zip on Windows), for a shop PC without
# Python nor uv. Recipe and what was verified: docs/BUILD.md.
#
# The build venv (build/venv, git-ignored) holds the terminal's dependency set only: uv.lock
# exported without the dev group and without the `central` extra, plus PyInstaller. Runs on
# Linux and, under Git Bash, on Windows (.github/workflows/build-terminal-windows.yml).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.local/bin:$PATH"
command -v uv >/dev/null || bash scripts/bootstrap.sh
PYINSTALLER_SPEC="pyinstaller>=6.10,<7"

case "$(uname -s)" in
  MINGW* | MSYS* | CYGWIN* | Windows_NT) venv_python=build/venv/Scripts/python.exe ;;
  *) venv_python=build/venv/bin/python ;;
esac

mkdir -p build
uv export --frozen --no-dev --no-emit-project --no-hashes --no-header --quiet \
  -o build/requirements-terminal.txt
if grep -qiE '^(fastapi|uvicorn|sqlalchemy|alembic|psycopg|argon2-cffi|fpdf2)==' \
  build/requirements-terminal.txt; then
  echo "build-terminal: the terminal's set holds a package of the central service" >&2
  exit 1
fi
[ -x "$venv_python" ] || uv venv --quiet --python 3.11 build/venv
# Exact: a package left from an earlier build (or added by hand) does not creep into the bundle.
uv pip sync --quiet --python "$venv_python" build/requirements-terminal.txt
uv pip install --quiet --python "$venv_python" "$PYINSTALLER_SPEC"
"$venv_python" packaging/build.py "$@"
