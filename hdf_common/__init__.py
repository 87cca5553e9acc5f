"""What the terminal (`pos`) and the central service (`central`) share: the QR-token format.

Neutral ground: it imports neither side, and needs only the standard library and `cryptography`,
so installing the terminal never pulls in the service's server stack.
"""
