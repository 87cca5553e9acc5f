#!/bin/sh
# Put the terminal in the desktop's menu: a menu entry, its icon, and `hdf-pos` on the PATH.
# Shipped at the top of the archive, beside the `hdf-pos` executable; run it from there:
#   ./install.sh             this user (~/.local/share/applications, ~/.local/bin)
#   sudo ./install.sh --system   every user of the PC (/usr/local/share, /usr/local/bin)
#   ./install.sh --uninstall [--system]   remove what it wrote
# The folder stays where it is: move it first (e.g. to /opt/hdf-pos), then run this.
set -eu
here=$(cd "$(dirname "$0")" && pwd -P)
system=0 uninstall=0
for arg in "$@"; do
  case "$arg" in
    --system) system=1 ;;
    --uninstall) uninstall=1 ;;
    *) echo "install.sh : option inconnue « $arg » (--system, --uninstall)" >&2; exit 2 ;;
  esac
done
if [ "$system" = 1 ]; then
  data=/usr/local/share bin=/usr/local/bin
else
  data=${XDG_DATA_HOME:-$HOME/.local/share} bin=$HOME/.local/bin
fi
sizes="16 32 48 64 128 256"

if [ "$uninstall" = 1 ]; then
  rm -f "$data/applications/hdf-pos.desktop" "$data/icons/hicolor/scalable/apps/hdf-pos.svg"
  for s in $sizes; do rm -f "$data/icons/hicolor/${s}x${s}/apps/hdf-pos.png"; done
  [ "$(readlink "$bin/hdf-pos" 2>/dev/null)" = "$here/hdf-pos" ] && rm -f "$bin/hdf-pos"
  echo "Terminal Génération #HDF retiré du menu."
  exit 0
fi

[ -x "$here/hdf-pos" ] || { echo "install.sh : $here/hdf-pos introuvable" >&2; exit 1; }
case "$here" in
  *'"'* | *'`'* | *'$'* | *'\'*)
    echo "install.sh : déplacez le dossier vers un chemin sans \" \` \$ ni \\ ($here)" >&2; exit 1 ;;
esac

for s in $sizes; do
  mkdir -p "$data/icons/hicolor/${s}x${s}/apps"
  cp "$here/share/icons/hicolor/${s}x${s}/apps/hdf-pos.png" "$data/icons/hicolor/${s}x${s}/apps/"
done
mkdir -p "$data/icons/hicolor/scalable/apps" "$data/applications" "$bin"
cp "$here/share/icons/hicolor/scalable/apps/hdf-pos.svg" "$data/icons/hicolor/scalable/apps/"
# Exec is quoted (the folder may hold spaces); TryExec hides the entry if the folder moves.
sed -e "s|@EXEC@|\"$here/hdf-pos\"|" -e "s|@TRYEXEC@|$here/hdf-pos|" \
  "$here/share/applications/hdf-pos.desktop" >"$data/applications/hdf-pos.desktop.tmp"
mv "$data/applications/hdf-pos.desktop.tmp" "$data/applications/hdf-pos.desktop"
ln -sf "$here/hdf-pos" "$bin/hdf-pos"
# Refresh the desktop's caches where the tools exist (the menu picks the entry up anyway).
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true

echo "Terminal Génération #HDF ajouté au menu : $data/applications/hdf-pos.desktop"
echo "Commande : $bin/hdf-pos (hdf-pos --help)"
