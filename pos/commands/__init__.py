"""The sub-commands of `hdf-pos` by subject (the parser and `main` are in `pos.cli`)."""
