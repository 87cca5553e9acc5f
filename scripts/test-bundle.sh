#!/usr/bin/env bash
# Test the built terminal's whole command line from the bundle itself, not from the source tree.
#
#   scripts/test-bundle.sh dist/hdf-pos                       # the folder PyInstaller made
#   scripts/test-bundle.sh dist/hdf-pos-0.1.0-linux-x86_64.tar.gz   # or the archive (unpacked here)
#
# Checks: --version; --help and every sub-command's --help (decode and scan included: they come
# in by a dynamic import); `decode` on the committed test images, with every decoder present
# (pyzbar's libzbar from the bundle); --demo refused in one sentence; against a real central
# service: enroll, status, lookup, pay, transactions, journal verify; the windows start offscreen
# to the usable counter (screenshot saved), and on a real X server when Xvfb is there; the menu
# entry that install.sh writes (desktop-file-validate when installed).
#
# The central service: CENTRAL_URL=http://127.0.0.1:PORT (a demo service already running, e.g.
# outside a chroot), else one is started from the source tree's venv when uv is on PATH
# (`uv run hdf-central serve --demo`), else those steps are skipped (said at the end).
# SHOTS=DIR keeps the screenshots (default: the work folder, printed). Exit 0 only if all passed.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/test-bundle.sh DIST_DIR_OR_ARCHIVE}
work=$(mktemp -d "${TMPDIR:-/tmp}/hdf-bundle-test.XXXX")
shots=${SHOTS:-$work}
mkdir -p "$shots"
passed=0 failed=0 skipped=0 central_pid=""
cleanup() {
  [ -z "$central_pid" ] || kill "$central_pid" 2>/dev/null
  [ -z "${xvfb_pid:-}" ] || kill "$xvfb_pid" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$work/unpacked" "$work/data" "$work/home"
}
trap cleanup EXIT

ok() { echo "ok   $*"; passed=$((passed + 1)); }
ko() { echo "FAIL $*"; failed=$((failed + 1)); }
skip() { echo "skip $*"; skipped=$((skipped + 1)); }

case "$target" in
  *.tar.gz) mkdir -p "$work/unpacked" && tar -xzf "$target" -C "$work/unpacked" && bundle=$work/unpacked/hdf-pos ;;
  *.zip) mkdir -p "$work/unpacked" && unzip -q "$target" -d "$work/unpacked" && bundle=$work/unpacked/hdf-pos ;;
  *) bundle=$(cd "$target" && pwd) ;;
esac
exe=$bundle/hdf-pos
[ -x "$exe" ] || exe=$bundle/hdf-pos.exe
[ -x "$exe" ] || { echo "no hdf-pos executable in $bundle" >&2; exit 1; }
echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1))"

# The bundle must not lean on the source tree nor on a Python: run it from elsewhere, with a
# PATH that holds no Python tools and no uv.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share
mkdir -p "$HOME"
run() { (cd "$work" && env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"); }
case "$(uname -s)" in  # Windows (Git Bash): the console's CR LF line ends, dropped
  MINGW* | MSYS* | CYGWIN*) run() { (cd "$work" && env -u PYTHONPATH -u PYTHONHOME "$@") | tr -d '\r'; } ;;
esac
out=$work/out.txt err=$work/err.txt

# --- version ----------------------------------------------------------------------------------
if run "$exe" --version >"$out" 2>"$err" && grep -q "application autonome" "$out" \
  && grep -q "API du service central : version 1.1" "$out" && grep -q "^commit : [0-9a-f]\{7,\}" "$out"; then
  ok "--version: $(tr '\n' ' ' <"$out")"
else
  ko "--version: $(cat "$out" "$err")"
fi

# --- help, and every sub-command's ----------------------------------------------------------------
if run "$exe" --help >"$out" 2>"$err" && grep -q "^usage: hdf-pos" "$out"; then
  ok "--help"
else
  ko "--help: $(cat "$err")"
fi
commands=$(sed -n '/^commandes:/,$p' "$out" | sed -n 's/^    \([a-z][a-z-]*\) .*/\1/p')
for needed in enroll lookup pay decode scan journal; do
  grep -qx "$needed" <<<"$commands" || ko "sub-command $needed missing from --help"
done
for cmd in $commands; do
  if run "$exe" "$cmd" --help >"$out" 2>"$err" && grep -q "^usage: hdf-pos $cmd" "$out"; then
    ok "$cmd --help"
  else
    ko "$cmd --help: $(head -c 400 "$err")"
  fi
done
if run "$exe" journal verify --help >"$out" 2>"$err"; then ok "journal verify --help"; else ko "journal verify --help"; fi

# --- decode -------------------------------------------------------------------------------------
data=$here/packaging/testdata
if run "$exe" decode "$data/card-23166621.png" "$data/voucher-898564564632.png" >"$out" 2>"$err" \
  && grep -q "\[QR\] 23166621$" "$out" && grep -q "\[Code 128\] 898564564632$" "$out"; then
  ok "decode: $(tr '\n' ' ' <"$out")"
else
  ko "decode: $(cat "$out" "$err")"
fi
if grep -q "indisponible" "$err"; then ko "a decoder is missing from the bundle: $(cat "$err")"; else ok "decode: zxing-cpp and pyzbar (ZBar) both loaded"; fi
run "$exe" decode "$data/absent.png" >"$out" 2>"$err"
[ $? = 2 ] && ok "decode of a missing file: exit 2, $(head -c 120 "$err")" || ko "decode of a missing file"

# --- --demo: no central service in the bundle ------------------------------------------------------
run "$exe" --demo >"$out" 2>"$err"
code=$?
if [ $code != 0 ] && grep -q "Démonstration impossible" "$err" && ! grep -q Traceback "$err"; then
  ok "--demo: exit $code, $(cat "$err")"
else
  ko "--demo: exit $code, $(cat "$out" "$err")"
fi

# --- against a real central service ---------------------------------------------------------------
central=${CENTRAL_URL:-}
if [ -z "$central" ] && command -v uv >/dev/null && [ -f "$here/uv.lock" ]; then
  port=$(( (RANDOM % 20000) + 30000 ))
  (cd "$here" && exec uv run --frozen --quiet hdf-central serve --demo --host 127.0.0.1 --port "$port" \
    --database "sqlite:///$work/central.sqlite3") >"$work/central.log" 2>&1 &
  central_pid=$!
  central=http://127.0.0.1:$port
  for _ in $(seq 1 150); do
    curl -sf "$central/v1/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
fi
enrolled=0
if [ -n "$central" ] && curl -sf "$central/v1/health" >/dev/null 2>&1; then
  # A keyring for the test only (a shop PC has the desktop's Secret Service): a small file
  # backend that keyring loads from its own configuration, as any user could set up.
  mkdir -p "$XDG_CONFIG_HOME/python_keyring" "$work/keyring"
  cp "$here/packaging/testdata/bundle_test_keyring.py" "$work/keyring/"
  printf '[backend]\ndefault-keyring=bundle_test_keyring.FileKeyring\nkeyring-path=%s\n' \
    "$work/keyring" >"$XDG_CONFIG_HOME/python_keyring/keyringrc.cfg"
  export HDF_POS_ALLOW_INSECURE_KEYRING=1
  d=$work/data
  if echo "Demo-L212" | run "$exe" --data-dir "$d" enroll --server "$central" --partner L212 \
    --label "Caisse test" --password-stdin >"$out" 2>"$err"; then
    ok "enroll: $(cat "$out")"
    enrolled=1
  else
    ko "enroll: $(cat "$out" "$err")"
  fi
  if [ $enrolled = 1 ]; then
    run "$exe" --data-dir "$d" status >"$out" 2>"$err" && grep -q "En ligne" "$out" \
      && ok "status: online" || ko "status: $(cat "$out" "$err")"
    # The journal names holders: the bundle creates terminal.db and its WAL for the user alone.
    modes=$(cd "$d" && stat -c '%a' terminal.db terminal.db-wal 2>/dev/null | sort -u | tr '\n' ' ')
    case "$(uname -s)" in
      MINGW* | MSYS* | CYGWIN*) skip "terminal.db mode (POSIX only)" ;;
      *) [ "$modes" = "600 " ] && ok "terminal.db and -wal: 0600" || ko "terminal.db modes: $modes" ;;
    esac
    run "$exe" --data-dir "$d" lookup 23166621 >"$out" 2>"$err" && grep -q "Jean MARTIN" "$out" \
      && ok "lookup 23166621: $(head -1 "$out")" || ko "lookup: $(cat "$out" "$err")"
    if run "$exe" --data-dir "$d" pay --card 23166621 --wallet MANUEQUIP --amount 1,50 >"$out" 2>"$err" \
      && grep -q "REÇU DE TRANSACTION" "$out" && grep -q "Montant : 1,50" "$out"; then
      ok "pay 1,50 €: $(grep -E 'N° transaction|Solde après' "$out" | tr '\n' ' ')"
    else
      ko "pay: $(cat "$out" "$err")"
    fi
    run "$exe" --data-dir "$d" transactions >"$out" 2>"$err" && grep -q "23166621" "$out" \
      && ok "transactions: $(head -1 "$out")" || ko "transactions: $(cat "$out" "$err")"
    run "$exe" --data-dir "$d" journal verify >"$out" 2>"$err" && grep -q "Journal intègre" "$out" \
      && ok "journal verify" || ko "journal verify: $(cat "$out" "$err")"
  fi
else
  skip "central service steps (no CENTRAL_URL and no uv to start one)"
fi

# --- the windows ------------------------------------------------------------------------------
windows() {  # $1: platform, $2: screenshot name
  QT_QPA_PLATFORM=$1 HDF_POS_READY=1 HDF_POS_READY_QUIT=1 HDF_POS_READY_SCREENSHOT=$shots/$2 \
    run timeout 120 "$exe" --data-dir "$work/data" >"$out" 2>"$err"
  local code=$?
  if [ $code = 0 ] && grep -q "hdf-pos: counter ready" "$out" && [ -s "$shots/$2" ]; then
    ok "windows ($1): the counter is shown and usable; screenshot $shots/$2"
  else
    ko "windows ($1): exit $code $(tail -c 1500 "$err")"
  fi
}
if [ $enrolled = 1 ]; then
  windows offscreen counter-offscreen.png
  if command -v Xvfb >/dev/null; then
    # A free display number, chosen by Xvfb itself and written to the file.
    Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9>"$work/display" >/dev/null 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 1 100); do [ -s "$work/display" ] && break; sleep 0.1; done
    DISPLAY=:$(tr -d '[:space:]' <"$work/display") windows xcb counter-xcb.png
  else
    skip "windows on X (no Xvfb here)"
  fi
else
  # Not enrolled: the first-run wizard opens. It must still be up after a few seconds.
  QT_QPA_PLATFORM=offscreen run timeout 8 "$exe" --data-dir "$work/data" >"$out" 2>"$err"
  code=$?
  [ $code = 124 ] && ! grep -q -E "Traceback|Erreur" "$err" && ok "windows (offscreen): the first-run wizard runs" \
    || ko "windows: exit $code $(tail -c 1500 "$err")"
fi

# --- the menu entry ------------------------------------------------------------------------------
installer=$bundle/install.sh
if [ -x "$installer" ]; then
  if run "$installer" >"$out" 2>"$err"; then
    entry=$XDG_DATA_HOME/applications/hdf-pos.desktop
    if [ -f "$entry" ] && grep -q "^Exec=\"$bundle/hdf-pos\"$" "$entry" \
      && [ -f "$XDG_DATA_HOME/icons/hicolor/48x48/apps/hdf-pos.png" ] && [ -x "$HOME/.local/bin/hdf-pos" ]; then
      ok "install.sh: menu entry, icons and ~/.local/bin/hdf-pos"
    else
      ko "install.sh wrote: $(find "$XDG_DATA_HOME" "$HOME/.local/bin" 2>/dev/null | head -20)"
    fi
    if command -v desktop-file-validate >/dev/null; then
      desktop-file-validate "$entry" >"$out" 2>&1 && ok "desktop-file-validate" || ko "desktop-file-validate: $(cat "$out")"
    else
      skip "desktop-file-validate (desktop-file-utils not installed)"
    fi
    run "$HOME/.local/bin/hdf-pos" --version >/dev/null 2>&1 && ok "hdf-pos on PATH runs" || ko "~/.local/bin/hdf-pos"
    run "$installer" --uninstall >/dev/null 2>&1 && [ ! -e "$entry" ] && ok "install.sh --uninstall" \
      || ko "install.sh --uninstall left $entry"
  else
    ko "install.sh: $(cat "$out" "$err")"
  fi
else
  skip "install.sh (not a Linux bundle)"
fi

echo "bundle: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
