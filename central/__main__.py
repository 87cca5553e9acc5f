"""`python -m central ...` is `hdf-central ...`."""

from central.cli import main

raise SystemExit(main())
