"""The partner terminal of the carte Génération #HDF: a Qt-free core driven by a CLI and windows."""

__version__ = "0.1.0"
