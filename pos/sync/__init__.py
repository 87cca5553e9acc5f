"""Talking to the central service: HTTP client, credentials, store-and-forward sync."""
