#!/usr/bin/env bash
# Install what the project needs on a fresh machine, without touching the system Python:
#   - Debian libraries (as root; otherwise one sentence says which packages to ask for),
#   - uv: the one on PATH, else a private copy in a venv under the user's data folder,
#   - the Python environment from uv.lock, and the compiled translations.
# Idempotent and quiet when everything is there. run.sh, test.sh and .ci/run *source* it from the
# project's root so that uv is on their PATH afterwards; `bash scripts/bootstrap.sh` works too.
# `sudo bash scripts/bootstrap.sh --system` installs only the Debian packages (for a user who is
# not root). The recipe that proves all this on clean machines is docs/SETUP.md.

hdf_debian_packages=(
  # Qt offscreen and on X, fonts so labels render (ENV.md lists why each is needed)
  libglib2.0-0 libgl1 libegl1 libfontconfig1 fonts-dejavu-core libxkbcommon0 libdbus-1-3 libx11-6
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-xkb1 libx11-xcb1 libxkbcommon-x11-0
  # scanner
  libzbar0
  # tests on a virtual screen
  xvfb xauth xdotool x11-apps
  # the multi-host test: TLS in front of two central services (docs/DEPLOY.md)
  nginx
)

hdf_is_root() { [ "$(id -u)" = 0 ]; }
hdf_has_apt() { command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; }

hdf_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

hdf_apt_install() {
  echo "bootstrap: installing Debian packages: $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

hdf_debian_libraries() {
  hdf_has_apt || return 0 # not Debian/Ubuntu: install the equivalents of the list above by hand
  local missing=() p
  for p in "${hdf_debian_packages[@]}"; do
    # Ubuntu 24.04 and Debian 13 renamed some libraries for 64-bit time_t (libzbar0 → libzbar0t64).
    hdf_installed "$p" || hdf_installed "${p}t64" || missing+=("$p")
  done
  # PostgreSQL server binaries, for the tests that start a throw-away cluster
  if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing+=(postgresql)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if hdf_is_root; then
    hdf_apt_install "${missing[@]}"
  else
    echo "bootstrap: these Debian packages are missing; ask your administrator to run:" \
      "apt-get install --no-install-recommends ${missing[*]}" >&2
    return 1
  fi
}

hdf_uv() {
  command -v uv >/dev/null && return 0
  local home="${XDG_DATA_HOME:-$HOME/.local/share}/hdf-pos/uv"
  if [ ! -x "$home/bin/uv" ]; then
    echo "bootstrap: installing uv into $home (a private venv; the system Python is untouched)" >&2
    rm -rf "$home"
    if ! python3 -m venv "$home/venv" >/dev/null 2>&1; then
      rm -rf "$home"
      # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
      if hdf_is_root && hdf_has_apt; then
        hdf_apt_install python3-venv || return 1
        python3 -m venv "$home/venv" >/dev/null || return 1
      else
        echo "bootstrap: this Python cannot create a virtual environment; ask your administrator" \
          "to install the package python3-venv (Debian/Ubuntu: apt-get install python3-venv)." >&2
        return 1
      fi
    fi
    "$home/venv/bin/python" -m pip install --quiet --disable-pip-version-check uv || return 1
    # Only uv goes on PATH: the venv's own python must not shadow the system one.
    mkdir -p "$home/bin" && ln -sf ../venv/bin/uv "$home/bin/uv"
  fi
  export PATH="$home/bin:$PATH"
}

hdf_bootstrap() {
  hdf_debian_libraries || return 1
  hdf_uv || return 1
  uv sync --frozen --quiet || return 1
  # Build step: compile the windows' translations (.ts sources → .qm, never committed).
  uv run --frozen --quiet python -m pos.ui.i18n build >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then # run, not sourced
  set -euo pipefail
  cd "$(dirname "$0")/.."
  if [ "${1:-}" = "--system" ]; then # an administrator installs the Debian packages only
    hdf_is_root || { echo "bootstrap: --system installs Debian packages: run it as root" >&2; exit 1; }
    hdf_debian_libraries
    exit
  fi
  hdf_bootstrap
else
  hdf_bootstrap || return 1 # each failure has said why in one sentence
fi
