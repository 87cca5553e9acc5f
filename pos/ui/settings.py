"""Where the windows' settings live: `ui-settings.ini` through Qt's QSettings; the manager PIN.

Every setting is declared once in `pos.settings` (key, type, default, French label, choices);
this module only stores the `WINDOWS` ones: user settings in `ui-settings.ini` in the terminal's
data folder, apart from remembered window state (`ui-state.ini`); secrets (the manager PIN) only
in the keyring.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from PySide6.QtCore import QSettings

from pos.settings import RECEIPTS_DIR, WINDOWS, Setting

KEYRING_SERVICE = "hdf-pos"
PIN_KEY = "manager-pin"

T = TypeVar("T")


def _check_home(setting: Setting[T]) -> None:
    if setting.home != WINDOWS:  # the core's settings live in its local store
        raise ValueError(f"{setting.key} is not a setting of the windows")


class Settings:
    """Typed access to the user settings of one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(self.data_dir / "ui-settings.ini"), QSettings.Format.IniFormat)
        self.state = QSettings(str(self.data_dir / "ui-state.ini"), QSettings.Format.IniFormat)

    def get(self, setting: Setting[T]) -> T:
        _check_home(setting)
        return setting.parse(self._qs.value(setting.key, setting.default))

    def set(self, setting: Setting[T], value: T) -> None:
        _check_home(setting)
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

    def _keyring(self) -> ModuleType:
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
