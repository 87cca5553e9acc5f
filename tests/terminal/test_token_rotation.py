"""The terminal rotates its token weekly after a successful sync, and never loses it: a keyring
write that fails, or a process killed between the service's answer and the keyring write, leaves
the old token (still valid) in place, and the next pass rotates again with it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.errors
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from support.clock import clock_at

from hdf_common import clock
from pos.results import Outcome
from pos.store import Store
from pos.sync import credentials, rotation
from pos.sync.client import ApiClient
from pos.terminal import Terminal

REPO = Path(__file__).resolve().parents[2]


def _token(t) -> str:
    return str(credentials.load_token(str(t.terminal_id)))


def _status(url: str, token: str) -> int:
    resp = requests.get(
        url + "/v1/partner", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return resp.status_code


def test_the_token_rotates_weekly_after_a_successful_sync(shared_central, make_terminal):
    url = shared_central.url
    t = make_terminal(url, name="weekly")
    t0 = _token(t)
    assert t.sync().error is None
    with clock_at(clock.now() + timedelta(days=6, hours=23)):
        assert t.sync().error is None
        assert _token(t) == t0  # not a week yet
    with clock_at(clock.now() + timedelta(days=7, minutes=1)):
        assert t.sync().error is None
        t1 = _token(t)
        assert t1 != t0
        assert t.sync().error is None
        assert _token(t) == t1  # once a week, not once a pass
    assert t.lookup("23166621").card_number == "23166621"  # the new token, in use at once
    assert (_status(url, t0), _status(url, t1)) == (401, 200)


def test_a_failed_keyring_write_keeps_the_old_token_and_rotates_again(
    shared_central, make_terminal, monkeypatch
):
    url = shared_central.url
    t = make_terminal(url, name="keyring-fails")
    t0 = _token(t)
    issued: list[str] = []
    real_rotate = ApiClient.rotate_token

    def spy(api: ApiClient):
        issued.append(real_rotate(api))
        return issued[-1]

    monkeypatch.setattr(ApiClient, "rotate_token", spy)

    def broken(*_args):
        raise keyring.errors.PasswordSetError("trousseau verrouillé")

    with clock_at(clock.now() + timedelta(days=8)):
        with monkeypatch.context() as m:
            m.setattr(keyring, "set_password", broken)
            report = t.sync()
        assert report.online and report.error is None  # the sync itself went through
        assert len(issued) == 1 and _token(t) == t0  # the new token could not be kept
        assert t.lookup("23166621").card_number  # the old one still works
        assert t.sync().error is None  # the next pass rotates again, with the old token
    assert len(issued) == 2 and _token(t) == issued[1]
    assert t.lookup("23166621").card_number
    assert [_status(url, tok) for tok in (t0, issued[0], issued[1])] == [401, 401, 200]


CRASH = """
import os, signal, sys
from pathlib import Path
from hdf_common import clock
from pos.sync import credentials
from pos.terminal import Terminal

def killed_before_storing(terminal_id, token):
    Path(sys.argv[2]).write_text(token)  # what the dead process had received
    os.kill(os.getpid(), signal.SIGKILL)

credentials.save_token = killed_before_storing
clock.set_clock(sys.argv[3])
Terminal.open(Path(sys.argv[1])).sync()
"""


def test_a_process_killed_before_storing_the_new_token_is_not_locked_out(
    shared_central, make_terminal, tmp_path
):
    url = shared_central.url
    t = make_terminal(url, name="killed")
    t0 = _token(t)
    later = clock.now() + timedelta(days=8)
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASH))
    received = tmp_path / "received-token"
    done = subprocess.run(
        [sys.executable, str(script), str(t.data_dir), str(received), later.isoformat()],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == -9, done.stderr
    lost = received.read_text()
    assert lost and lost != t0 and _token(t) == t0  # killed: the keyring still holds t0

    with clock_at(later + timedelta(minutes=1)):
        assert rotation.due(t.store)  # the week is still over: it was never noted
        assert t.lookup("23166621").card_number  # t0 still works
        assert t.sync().error is None
    t1 = _token(t)
    assert t1 not in (t0, lost)
    assert t.lookup("23166621").card_number
    assert [_status(url, tok) for tok in (t0, lost, t1)] == [401, 401, 200]


def test_another_process_of_the_terminal_follows_a_rotation(shared_central, make_terminal):
    """The windows rotate while `hdf-pos` (another process, its own client) is open: on a 401 it
    reads the keyring again and carries on with the new token."""
    url = shared_central.url
    windows = make_terminal(url, name="two-processes")
    t0 = _token(windows)
    with Terminal.open(windows.data_dir) as cli:
        assert cli.lookup("23166621").card_number  # its client holds t0
        with clock_at(clock.now() + timedelta(days=8)):
            assert windows.sync().error is None
        assert windows.lookup("23166621").card_number  # the new token used: t0 is over
        assert _status(url, t0) == 401
        assert cli.lookup("23166622").card_number == "23166622"
        result = cli.pay(scan="23166622", wallet_code="MANUEQUIP", amount_cents=100)
        assert result.outcome is Outcome.ONLINE


class _Answering:
    """Stands for the service's answer to a rotation (whatever it sends)."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.token = "t0-" + "x" * 40

    def rotate_token(self):
        return self.answer


@settings(max_examples=200, deadline=None)
@given(
    answer=st.one_of(
        st.none(), st.integers(), st.text(max_size=600), st.lists(st.text(max_size=5), max_size=3)
    )
)
def test_any_rotation_answer_is_stored_only_when_it_is_a_token(tmp_path_factory, answer):
    store = Store(tmp_path_factory.mktemp("rotation"))
    try:
        store.set_state("terminal_id", "00000000-0000-4000-8000-000000000001")
        api = _Answering(answer)
        credentials.save_token("00000000-0000-4000-8000-000000000001", api.token)
        rotated = rotation.rotate_if_due(store, api)  # type: ignore[arg-type]
        kept = credentials.load_token("00000000-0000-4000-8000-000000000001")
        plausible = isinstance(answer, str) and 20 <= len(answer) <= 512 and answer.isprintable()
        assert rotated is plausible
        assert kept == (answer if plausible else "t0-" + "x" * 40) == api.token
        assert rotation.due(store) is not plausible
    finally:
        store.close()
