"""Reference central service of the carte Génération #HDF: the contract of docs/API.md over HTTP."""

__version__ = "0.1.0"
