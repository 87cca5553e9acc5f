# Build the terminal on Windows without Git Bash: the PowerShell twin of build-terminal.sh
# (same steps, same spec: packaging/build.py does the work). Needs uv and Python 3.11.
#   powershell -ExecutionPolicy Bypass -File scripts\build-terminal.ps1
# NOT VERIFIED: written on Linux, never run on Windows (docs/BUILD.md).
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
if (-not (Get-Command uv -ErrorAction SilentlyContinue)) {
    throw "uv introuvable : installez-le (https://docs.astral.sh/uv/) puis relancez."
}
New-Item -ItemType Directory -Force build | Out-Null
uv export --frozen --no-dev --no-emit-project --no-hashes --no-header --quiet -o build\requirements-terminal.txt
if ($LASTEXITCODE -ne 0) { throw "uv export failed" }
if (Select-String -Path build\requirements-terminal.txt -Pattern '^(fastapi|uvicorn|sqlalchemy|alembic|psycopg|argon2-cffi|fpdf2)==' -Quiet) {
    throw "the terminal's set holds a package of the central service"
}
$python = "build\venv\Scripts\python.exe"
if (-not (Test-Path $python)) { uv venv --quiet --python 3.11 build\venv }
uv pip sync --quiet --python $python build\requirements-terminal.txt
uv pip install --quiet --python $python "pyinstaller>=6.10,<7"
& $python packaging\build.py @args
if ($LASTEXITCODE -ne 0) { throw "build failed" }
