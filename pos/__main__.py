"""`python -m pos`: the same as `hdf-pos`."""

import sys

from pos.cli import main

sys.exit(main())
