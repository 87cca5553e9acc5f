"""The terminal's link to its central service: the API client (built from the enrolment and the
OS keyring), the online state and its "status" events, contact and clock records, enrolment and
unenrolment, the cached partner profile, and the status the windows and `hdf-pos status` show.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pos import offline, settings
from pos.domain import Partner, parse_instant, to_rfc3339, utc_now
from pos.outbox import Outbox
from pos.results import Refusal, Refused, TerminalStatus
from pos.store import Store
from pos.sync import archive_key, credentials, rotation
from pos.sync.client import ApiClient, ApiError, ClientError, TlsError, unencrypted_remote
from pos.sync.worker import DRIFT_WARNING_S, SyncEngine

log = logging.getLogger("pos.terminal")

Emit = Callable[[str, dict[str, Any]], None]


class Connection:
    def __init__(self, store: Store, outbox: Outbox, emit: Emit) -> None:
        self.store = store
        self.outbox = outbox
        self.emit = emit
        self._lock = threading.RLock()
        self._api: ApiClient | None = None
        self.online: bool | None = None  # None until the first answer or failure
        self.engine = SyncEngine(store, self.client, emit, outbox)

    # -- the client -------------------------------------------------------------------------
    @property
    def terminal_id(self) -> str | None:
        value = self.store.get_state("terminal_id")
        return str(value) if value else None

    def client(self) -> ApiClient:
        """The enrolled terminal's API client (built once). Raises Refused when not enrolled or
        when the token is not in the keyring."""
        with self._lock:
            if self._api is None:
                server = settings.SERVER_URL.get(self.store)
                terminal_id = self.terminal_id
                if not server or not terminal_id:
                    raise Refused.of("not_enrolled")
                self._check_transport(server, settings.INSECURE_HTTP.get(self.store))
                try:
                    token = credentials.load_token(terminal_id)
                except credentials.KeyringUnavailable as err:
                    raise Refused(Refusal("keyring_insecure", str(err))) from err
                if not token:
                    raise Refused.of("keyring_missing")
                self._api = ApiClient(
                    server,
                    token=token,
                    ca_bundle=settings.CA_BUNDLE.get(self.store),
                    verify_tls=settings.VERIFY_TLS.get(self.store),
                    read_timeout=float(settings.READ_TIMEOUT_S.get(self.store)),
                    stored_token=functools.partial(credentials.load_token, terminal_id),
                )
            return self._api

    @staticmethod
    def _check_transport(url: str, insecure: bool) -> None:
        if unencrypted_remote(url) and not insecure:
            raise Refused.of("insecure_transport", url)

    def unencrypted(self) -> bool:
        """The service is reached by http:// on another machine (allowed by --insecure)."""
        return unencrypted_remote(settings.SERVER_URL.get(self.store) or "")

    def forget_client(self) -> None:
        """Close the client; the next call builds a new one (new address, new token)."""
        with self._lock:
            if self._api is not None:
                self._api.close()
            self._api = None

    def set_server_url(self, url: str, *, ca_bundle: str | None = None) -> None:
        settings.SERVER_URL.set(self.store, url.rstrip("/"))
        if ca_bundle is not None:
            settings.CA_BUNDLE.set(self.store, ca_bundle or None)
        self.forget_client()

    # -- online state -----------------------------------------------------------------------
    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.emit("status", {"online": online, "queue": self.outbox.queue_size()})

    def contact(self, api: ApiClient) -> None:
        """The service answered: online, and its clock noted."""
        self.set_online(True)
        self.engine.record_contact(api)

    def last_contact(self) -> datetime | None:
        return parse_instant(self.store.get_state("last_contact_at"))

    # -- enrolment --------------------------------------------------------------------------
    @property
    def partner(self) -> Partner | None:
        if self.terminal_id is None:
            return None
        profile = self.store.load_partner()
        return None if profile is None else Partner.from_api(profile)

    def require_partner(self) -> Partner:
        partner = self.partner
        if partner is None:
            raise Refused.of("not_enrolled")
        return partner

    def is_enrolled(self) -> bool:
        return self.terminal_id is not None and self.store.load_partner() is not None

    def enroll(
        self,
        *,
        server_url: str,
        partner_code: str,
        password: str,
        label: str,
        insecure: bool = False,
    ) -> Partner:
        self._check_transport(server_url, insecure)  # before the password leaves in clear
        try:
            credentials.check_backend()  # before the service creates a token we could not keep
        except credentials.KeyringUnavailable as err:
            raise Refused(Refusal("keyring_insecure", str(err))) from err
        api = ApiClient(
            server_url,
            ca_bundle=settings.CA_BUNDLE.get(self.store),
            verify_tls=settings.VERIFY_TLS.get(self.store),
        )
        try:
            answer = api.enroll(partner_code.strip().upper(), password, label)
        except ApiError as err:
            raise Refused.of(err.code, err.detail) from err
        except TlsError as err:
            raise Refused.of("tls_error", str(err)) from err
        except ClientError as err:
            raise Refused.of("offline", str(err)) from err
        old = self.terminal_id
        if old:
            credentials.delete_token(old)
        terminal_id = str(answer["terminal_id"])
        credentials.save_token(terminal_id, str(answer["token"]))
        rotation.note_new_token(self.store)
        archive_key.create(terminal_id)  # the signed archives' key pair (issue 14)
        settings.SERVER_URL.set(self.store, server_url.rstrip("/"))
        settings.INSECURE_HTTP.set(self.store, bool(insecure and unencrypted_remote(server_url)))
        settings.TERMINAL_LABEL.set(self.store, label)
        self.store.set_state("terminal_id", terminal_id)
        self.store.save_partner(dict(answer["partner"]), to_rfc3339(utc_now()))
        self.forget_client()
        self.engine.refresh(self.client())
        archive_key.register(self.store, self.client())  # else after the next sync pass
        self.set_online(True)
        partner = self.partner
        assert partner is not None
        return partner

    def unenroll(self) -> None:
        terminal_id = self.terminal_id
        if terminal_id is None:
            return
        try:
            self.client().unenroll()
        except (ClientError, Refused):
            log.info("révocation du jeton impossible maintenant; oubli local seulement")
        credentials.delete_token(terminal_id)
        self.store.set_state("terminal_id", None)
        self.forget_client()

    # -- status -----------------------------------------------------------------------------
    def status(self, probe: bool = True) -> TerminalStatus:
        partner = self.partner
        online = bool(self.online)
        if probe and partner is not None:
            online = self.engine.probe()
            self.set_online(online)
        queue, oldest = self.outbox.oldest_queued()
        drift = self.store.get_state("clock_drift_seconds")
        remaining = None
        if partner is not None:
            remaining = offline.window_remaining_s(
                partner.offline_policy, self.last_contact(), utc_now()
            )
        return TerminalStatus(
            enrolled=partner is not None,
            online=online,
            queue=queue,
            oldest_queued_at=parse_instant(oldest),
            last_sync_at=parse_instant(self.store.get_state("last_sync_at")),
            clock_drift_seconds=drift,
            follow_ups=self.outbox.open_follow_ups(),
            offline_window_remaining_s=remaining,
            drift_warning=drift is not None and abs(float(drift)) > DRIFT_WARNING_S,
            partner_code=partner.code if partner else None,
            partner_name=partner.name if partner else None,
            server_url=settings.SERVER_URL.get(self.store),
            label=settings.TERMINAL_LABEL.get(self.store),
            unencrypted=self.unencrypted(),
        )
