"""A keyring backend for tests of the bundle only: the secrets in a JSON file beside this module.

keyring loads it from its own configuration (keyringrc.cfg: default-keyring, keyring-path), which
the bundle reads like any keyring user; scripts/test-bundle.sh and bench/cold_start.py use it.
Never for a shop PC: the terminal refuses such a backend unless HDF_POS_ALLOW_INSECURE_KEYRING=1.
"""

import json
import os

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "secrets.json")

    def _all(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def get_password(self, service, username):
        return self._all().get(f"{service}/{username}")

    def set_password(self, service, username, password):
        data = self._all()
        data[f"{service}/{username}"] = password
        with open(self.path, "w") as f:
            json.dump(data, f)

    def delete_password(self, service, username):
        data = self._all()
        data.pop(f"{service}/{username}", None)
        with open(self.path, "w") as f:
            json.dump(data, f)
