"""The PySide6 windows: the only package of the terminal that imports Qt."""
