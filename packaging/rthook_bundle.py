"""PyInstaller runtime hook: runs in the bundle before any of the terminal's code.

- pyzbar looks for ZBar with `ctypes.util.find_library("zbar")`, which only knows the system's
  libraries: on Linux, point it at the libzbar.so.0 shipped in the bundle (a shop PC has no
  libzbar0). On Windows pyzbar loads the DLLs shipped beside its own module (the spec puts them
  there), so nothing to do.
- The bootloader puts the bundle's folder first in LD_LIBRARY_PATH for this process; the
  programs the terminal starts (the sound player) must see the system's libraries, not ours.
  glibc read the variable at start-up, so restoring it changes nothing for this process.
"""

import ctypes.util
import os
import sys

_bundle = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))

if sys.platform.startswith("linux"):
    _system_find_library = ctypes.util.find_library

    def _find_library(name: str) -> str | None:
        if name == "zbar":
            bundled = os.path.join(_bundle, "libzbar.so.0")
            if os.path.exists(bundled):
                return bundled
        return _system_find_library(name)

    ctypes.util.find_library = _find_library

    _first = os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep)[0]
    if _first and os.path.realpath(_first) == os.path.realpath(_bundle):
        if "LD_LIBRARY_PATH_ORIG" in os.environ:
            os.environ["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH_ORIG"]
        else:
            del os.environ["LD_LIBRARY_PATH"]
