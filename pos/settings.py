"""Every setting of the terminal declared once: key, type, default, French label, choices, home.

Electrum's `ConfigVar`: a setting is one `Setting` object, and every reader and writer goes
through it. Two homes, one declaration each:

- `STORE`: the local store's `settings` table, read by the core (server address, TLS, the
  terminal's name, sync interval); `SERVER_URL.get(store)` / `.set(store, value)`.
- `WINDOWS`: the windows' `ui-settings.ini` in the terminal's data folder (language, printer,
  camera, sounds), read and written by `pos.ui.settings.Settings` (Qt's QSettings), shown by the
  Réglages dialog in the order of `WINDOW_SETTINGS`.

Labels are French source text; the windows translate them in the "Settings" context (`python -m
pos.ui.i18n update` registers them). Secrets never live in settings (the terminal's token and the
manager PIN are in the keyring); runtime state (last sync, clock drift, cursors) is kept apart in
the store's `state` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

if TYPE_CHECKING:
    from pos.store import Store

T = TypeVar("T")

Home = Literal["store", "windows"]
STORE: Home = "store"
WINDOWS: Home = "windows"


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    label: str  # French source text
    type: type = str  # what a value read back as text is turned into
    choices: tuple[tuple[str, str], ...] = ()  # (value, French label) for a list of choices
    home: Home = STORE

    def get(self, store: Store) -> T:
        """The value in the local store (a `STORE` setting)."""
        return cast(T, store.get_setting(self.key, self.default))

    def set(self, store: Store, value: T | None) -> None:
        store.set_setting(self.key, value)

    def parse(self, raw: object) -> T:
        """The value read back from a text file (an ini file keeps "true", "1"): the default
        when it does not read as this setting's type."""
        if self.type is bool:
            return cast(T, raw in (True, "true", "1", 1))
        try:
            return cast(T, self.type(raw))
        except (TypeError, ValueError):
            return self.default


# -- the core's (local store) ------------------------------------------------------------------
SERVER_URL: Setting[str | None] = Setting("server_url", None, "Adresse du service central")
CA_BUNDLE: Setting[str | None] = Setting(
    "ca_bundle", None, "Certificats d'autorité (fichier PEM) du service central"
)
VERIFY_TLS: Setting[bool] = Setting("verify_tls", True, "Vérifier le certificat du service", bool)
INSECURE_HTTP: Setting[bool] = Setting(
    "insecure_http", False, "Accepter http:// vers une autre machine (--insecure)", bool
)
TERMINAL_LABEL: Setting[str | None] = Setting("terminal_label", None, "Nom du terminal")
SYNC_INTERVAL_S: Setting[float] = Setting(
    "sync_interval_s", 15.0, "Intervalle d'envoi des opérations en attente (secondes)", float
)
READ_TIMEOUT_S: Setting[float] = Setting(
    "read_timeout_s", 10.0, "Délai d'attente d'une réponse du service (secondes)", float
)

# How long the holder's name is kept for reprints (issue 14); the journal keeps a keyed digest.
NAME_RETENTION_DAYS: Setting[int] = Setting(
    "name_retention_days", 90, "Conservation du nom du titulaire (jours)", int
)

# -- the windows' (ui-settings.ini) ------------------------------------------------------------
LANGUAGE: Setting[str] = Setting(
    "language",
    "fr",
    "Langue",
    choices=(("fr", "Français"), ("en", "Anglais")),
    home=WINDOWS,
)
PRINTER_KIND: Setting[str] = Setting(
    "printer/kind",
    "pdf",
    "Impression des reçus",
    choices=(
        ("pdf", "Fichier PDF"),
        ("network", "Imprimante ticket réseau (ESC/POS)"),
        ("usb", "Imprimante ticket USB (ESC/POS)"),
        ("serial", "Imprimante ticket série (ESC/POS)"),
    ),
    home=WINDOWS,
)
PRINTER_TARGET: Setting[str] = Setting(
    "printer/target",
    "",
    "Adresse de l'imprimante (hôte:port, VID:PID ou port série)",
    home=WINDOWS,
)
AUTO_PRINT: Setting[bool] = Setting(
    "printer/auto", False, "Imprimer le reçu automatiquement", bool, home=WINDOWS
)
RECEIPTS_DIR: Setting[str] = Setting("printer/pdf_dir", "", "Dossier des reçus PDF", home=WINDOWS)
EXPORTS_DIR: Setting[str] = Setting(
    "manager/exports_dir", "", "Dossier des exports (dernier choisi)", home=WINDOWS
)
CAMERA: Setting[str] = Setting("camera/source", "", "Caméra", home=WINDOWS)
SOUNDS: Setting[bool] = Setting("sounds", True, "Sons", bool, home=WINDOWS)

STORE_SETTINGS: tuple[Setting[Any], ...] = (
    SERVER_URL,
    CA_BUNDLE,
    VERIFY_TLS,
    TERMINAL_LABEL,
    SYNC_INTERVAL_S,
    READ_TIMEOUT_S,
)
# In the order the Réglages dialog shows them.
WINDOW_SETTINGS: tuple[Setting[Any], ...] = (
    LANGUAGE,
    PRINTER_KIND,
    PRINTER_TARGET,
    AUTO_PRINT,
    RECEIPTS_DIR,
    EXPORTS_DIR,
    CAMERA,
    SOUNDS,
)
ALL: tuple[Setting[Any], ...] = STORE_SETTINGS + WINDOW_SETTINGS
