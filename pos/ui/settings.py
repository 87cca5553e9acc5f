"""The windows' settings, each declared once with its type, default and translatable label.

Electrum's `ConfigVar` / Picard's `options.py`: a setting is a `Setting` object, read and written
through `Settings`; user settings live in `ui-settings.ini` in the terminal's data folder, apart
from remembered window state (`ui-state.ini`); secrets (the manager PIN) only in the keyring.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings

KEYRING_SERVICE = "hdf-pos"
PIN_KEY = "manager-pin"


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    label: str  # French source text; translate with QCoreApplication.translate("Settings", label)
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for a list of choices


LANGUAGE = Setting(
    "language",
    str,
    "fr",
    QT_TRANSLATE_NOOP("Settings", "Langue"),
    (
        ("fr", QT_TRANSLATE_NOOP("Settings", "Français")),
        ("en", QT_TRANSLATE_NOOP("Settings", "Anglais")),
    ),
)
PRINTER_KIND = Setting(
    "printer/kind",
    str,
    "pdf",
    QT_TRANSLATE_NOOP("Settings", "Impression des reçus"),
    (
        ("pdf", QT_TRANSLATE_NOOP("Settings", "Fichier PDF")),
        ("network", QT_TRANSLATE_NOOP("Settings", "Imprimante ticket réseau (ESC/POS)")),
        ("usb", QT_TRANSLATE_NOOP("Settings", "Imprimante ticket USB (ESC/POS)")),
        ("serial", QT_TRANSLATE_NOOP("Settings", "Imprimante ticket série (ESC/POS)")),
    ),
)
PRINTER_TARGET = Setting(
    "printer/target",
    str,
    "",
    QT_TRANSLATE_NOOP("Settings", "Adresse de l'imprimante (hôte:port, VID:PID ou port série)"),
)
AUTO_PRINT = Setting(
    "printer/auto", bool, False, QT_TRANSLATE_NOOP("Settings", "Imprimer le reçu automatiquement")
)
RECEIPTS_DIR = Setting(
    "printer/pdf_dir", str, "", QT_TRANSLATE_NOOP("Settings", "Dossier des reçus PDF")
)
CAMERA = Setting(
    "camera/source",
    str,
    "",
    QT_TRANSLATE_NOOP("Settings", "Caméra"),
)
SOUNDS = Setting("sounds", bool, True, QT_TRANSLATE_NOOP("Settings", "Sons"))

ALL = (LANGUAGE, PRINTER_KIND, PRINTER_TARGET, AUTO_PRINT, RECEIPTS_DIR, CAMERA, SOUNDS)


class Settings:
    """Typed access to the user settings of one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self.data_dir / "ui-settings.ini"), QSettings.Format.IniFormat)
        self.state = QSettings(str(self.data_dir / "ui-state.ini"), QSettings.Format.IniFormat)

    def get(self, setting: Setting) -> Any:
        value = self._qs.value(setting.key, setting.default)
        if setting.type is bool:
            return value in (True, "true", "1", 1)
        try:
            return setting.type(value)
        except (TypeError, ValueError):
            return setting.default

    def set(self, setting: Setting, value: Any) -> None:
        # QSettings writes back on its own (and at exit): no disk wait on the GUI thread here.
        self._qs.setValue(setting.key, setting.type(value))

    def flush(self) -> None:
        """Write both files now (at exit, before the demo's folder is removed)."""
        self._qs.sync()
        self.state.sync()

    def receipts_dir(self) -> Path:
        configured = self.get(RECEIPTS_DIR)
        return Path(configured) if configured else self.data_dir / "receipts"


class ManagerPin:
    """The manager PIN, kept as a salted scrypt hash in the system keyring (never a plain file)."""

    def __init__(self, account: str) -> None:
        self._account = f"{PIN_KEY}:{account}"

    def _keyring(self) -> Any:
        import keyring

        return keyring

    def is_set(self) -> bool:
        return bool(self._keyring().get_password(KEYRING_SERVICE, self._account))

    def set(self, pin: str) -> None:
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise ValueError(pin)
        salt = os.urandom(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1)
        self._keyring().set_password(
            KEYRING_SERVICE, self._account, salt.hex() + ":" + digest.hex()
        )

    def check(self, pin: str) -> bool:
        stored = self._keyring().get_password(KEYRING_SERVICE, self._account)
        if not stored or ":" not in stored:
            return False
        salt_hex, digest_hex = stored.split(":", 1)
        digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
        return hmac.compare_digest(digest.hex(), digest_hex)
