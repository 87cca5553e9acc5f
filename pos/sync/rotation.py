"""The weekly rotation of the terminal token (API.md 1.1), after a successful sync.

The order never loses the token: ask the service for a new one (the token we hold keeps working
until the new one is first used, or for 10 minutes), store the new one in the keyring, and only
then use it and note the date. If the process dies, or the keyring write fails, between the
answer and the store, we still hold the old token, still valid and never used by anyone else, so
the next pass (the background sync runs every 15 s) rotates again with it; the token that was
lost is replaced by that rotation and never worked for anybody.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pos.domain import parse_instant, to_rfc3339, utc_now
from pos.store import Store
from pos.sync import credentials
from pos.sync.client import ApiClient, ClientError

log = logging.getLogger("pos.sync")

ROTATE_EVERY = timedelta(days=7)
STATE_KEY = "token_rotated_at"


def note_new_token(store: Store) -> None:
    """A token just stored (enrolment, rotation): the week starts now."""
    store.set_state(STATE_KEY, to_rfc3339(utc_now()))


def due(store: Store) -> bool:
    last = parse_instant(store.get_state(STATE_KEY))
    return last is None or utc_now() - last >= ROTATE_EVERY


def rotate_if_due(store: Store, api: ApiClient) -> bool:
    """Rotate when a week has passed since the last rotation; True when a new token is in use."""
    terminal_id = store.get_state("terminal_id")
    if not terminal_id or not due(store):
        return False
    try:
        token = api.rotate_token()
    except ClientError as err:  # the next pass tries again; the token we hold still works
        log.info("rotation du jeton remise à plus tard : %s", err.code)
        return False
    if not (isinstance(token, str) and 20 <= len(token) <= 512 and token.isprintable()):
        log.warning("rotation du jeton : réponse du service illisible, jeton actuel gardé")
        return False
    try:
        credentials.save_token(str(terminal_id), token)
    except credentials.KeyringUnavailable as err:
        log.warning(
            "nouveau jeton non rangé (%s) : l'actuel reste valable, nouvel essai au prochain envoi",
            err,
        )
        return False
    api.token = token
    note_new_token(store)
    log.info("jeton du terminal renouvelé")
    return True
