"""What the terminal (`pos`) and the central service (`central`) share: QR tokens and the clock.

Neutral ground: it imports neither side, and needs only the standard library and `cryptography`,
so installing the terminal never pulls in the service's server stack.
"""
