"""The bundle's entry point: the same `hdf-pos` as `pos.cli:main` in the source tree."""

import sys

from pos.cli import main

if __name__ == "__main__":
    sys.exit(main())
