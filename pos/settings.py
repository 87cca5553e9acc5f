"""Every user setting of the terminal declared once: key, type, default, French label.

Values live in the local store's `settings` table; secrets never do (the token is in the keyring).
Runtime state (last sync, clock drift, cursors) is kept apart in the store's `state` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pos.store import Store

T = TypeVar("T")


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    label: str

    def get(self, store: Store) -> T:
        value: Any = store.get_setting(self.key, self.default)
        return value

    def set(self, store: Store, value: T | None) -> None:
        store.set_setting(self.key, value)


SERVER_URL: Setting[str | None] = Setting("server_url", None, "Adresse du service central")
CA_BUNDLE: Setting[str | None] = Setting(
    "ca_bundle", None, "Certificats d'autorité (fichier PEM) du service central"
)
VERIFY_TLS: Setting[bool] = Setting("verify_tls", True, "Vérifier le certificat du service")
LANGUAGE: Setting[str] = Setting("language", "fr", "Langue")
TERMINAL_LABEL: Setting[str | None] = Setting("terminal_label", None, "Nom du terminal")
SYNC_INTERVAL_S: Setting[float] = Setting(
    "sync_interval_s", 15.0, "Intervalle d'envoi des opérations en attente (secondes)"
)
READ_TIMEOUT_S: Setting[float] = Setting(
    "read_timeout_s", 10.0, "Délai d'attente d'une réponse du service (secondes)"
)

ALL: tuple[Setting[Any], ...] = (
    SERVER_URL,
    CA_BUNDLE,
    VERIFY_TLS,
    LANGUAGE,
    TERMINAL_LABEL,
    SYNC_INTERVAL_S,
    READ_TIMEOUT_S,
)
