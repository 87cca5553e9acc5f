"""docs/DEPLOY.md for real (issue 15, "More than one machine"): nginx terminates TLS in front of two
`hdf-central serve` processes on one throw-away PostgreSQL. A terminal enrols, pays, queues
payments while it cannot reach the service, syncs them through nginx; one service process is
killed mid-load, and no payment is lost or doubled."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.api import Client, Terminal, ago, new_key, payment_body
from support.central_server import CentralProcess, run_central_cli, start_central
from support.postgres import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed (bootstrap)"),
]
JEAN = "23166621"

NGINX_CONF = """
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    upstream hdf_central {{
        server 127.0.0.1:{port_a} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{port_b} max_fails=1 fail_timeout=30s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 2m;
        location = /metrics {{ return 404; }}
        location / {{
            proxy_pass http://hdf_central;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Request-ID $request_id;
            proxy_pass_header Date;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


def self_signed(root: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # the suite's clock may be set far away
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=365 * 30))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return root / "cert.pem"


class Nginx:
    def __init__(self, root: Path, upstreams: tuple[int, int]) -> None:
        self.root = root
        self.port = free_port()
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        self.ca = self_signed(root)
        conf = NGINX_CONF.format(
            root=root, port=self.port, port_a=upstreams[0], port_b=upstreams[1]
        )
        (root / "nginx.conf").write_text(conf)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.root), "-c", str(self.root / "nginx.conf"),
             "-g", "daemon off; user root;"],
            stdout=subprocess.DEVNULL, stderr=open(self.root / "stderr.log", "ab"),
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with requests.Session() as session:
                    session.trust_env = False
                    session.get(self.url + "/v1/health", verify=str(self.ca), timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError((self.root / "error.log").read_text(errors="replace"))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def deployment(
    pg_cluster, tmp_path: Path
) -> Iterator[tuple[Nginx, CentralProcess, CentralProcess]]:
    url = pg_cluster.create_database("deploy")
    seeded = run_central_cli(["seed", "--demo", "--database", url], data_dir=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    for host in ("a", "b"):  # every host gets the same sealing key (docs/DEPLOY.md)
        (tmp_path / host).mkdir()
        key = tmp_path / host / "secret.key"
        key.write_bytes((tmp_path / "secret.key").read_bytes())
        key.chmod(0o600)
    with (
        start_central(database_url=url, demo=False, data_dir=tmp_path / "a") as a,
        start_central(database_url=url, demo=False, data_dir=tmp_path / "b") as b,
    ):
        nginx = Nginx(tmp_path / "nginx", (a.port, b.port))
        nginx.start()
        try:
            yield nginx, a, b
        finally:
            nginx.stop()


def trust(client: Client, nginx: Nginx) -> Client:
    """Verify the test's own certificate (and ignore REQUESTS_CA_BUNDLE, which would win)."""
    client.session.trust_env = False
    client.session.verify = str(nginx.ca)
    return client


class Till:
    """What the terminal does: retry the same payment, same key, until a definite answer."""

    def __init__(self, term: Terminal) -> None:
        self.term = term
        self.failed_tries = 0  # connection errors and 502s while a host was dying
        self.answered_at: list[float] = []

    def pay(self, amount: int, key: str) -> requests.Response:
        for _ in range(100):
            try:
                resp = self.term.pay(JEAN, "MANUEQUIP", amount, key=key)
            except requests.RequestException:
                resp = None
            if resp is not None and resp.status_code < 500:
                self.answered_at.append(time.monotonic())
                return resp
            self.failed_tries += 1
            time.sleep(0.05)
        raise AssertionError(f"no answer for {key}")


def test_through_tls_enrol_pay_sync_and_survive_a_killed_service(deployment) -> None:
    nginx, a, b = deployment
    term = trust(trust(Client(nginx.url), nginx).enrol("L212", label="Derrière nginx"), nginx)
    health = term.get("/v1/health")
    assert health.status_code == 200
    assert health.headers["X-Request-ID"]  # nginx's request id, echoed by the service
    assert term.get("/metrics").status_code == 404  # kept off the public side
    start = term.balance(JEAN, "MANUEQUIP")
    assert term.pay(JEAN, "MANUEQUIP", 100).status_code == 201

    # Offline: the terminal cannot reach nginx; two typed-card payments whose answers it never
    # got are queued as replays (API.md 1.1: judged as the online calls they were), then synced.
    nginx.stop()
    with pytest.raises(requests.ConnectionError):
        term.get("/v1/health")
    queued = [
        {"idempotency_key": new_key(), "operation": "payment", "replay": True,
         "body": payment_body(JEAN, "MANUEQUIP", cents), "occurred_at": ago(minutes=2)}
        for cents in (40, 60)
    ]  # fmt: skip
    nginx.start()
    synced = term.sync(queued)
    assert synced.status_code == 200, synced.text
    assert [r["outcome"] for r in synced.json()["results"]] == ["applied", "applied"]
    assert term.sync(queued).json()["results"][0]["outcome"] == "duplicate"

    # Load from 4 tills' worth of threads; one service process is killed in the middle.
    keys = [new_key() for _ in range(80)]
    till = Till(term)
    killed_at: list[float] = []

    def kill_soon() -> None:
        while len(till.answered_at) < 20:  # mid-load: a quarter of the payments answered
            time.sleep(0.01)
        assert a.pid is not None
        os.kill(a.pid, signal.SIGKILL)  # no `kill` binary on a minimal Debian (no procps)
        killed_at.append(time.monotonic())

    killer = threading.Thread(target=kill_soon)
    killer.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda k: till.pay(10, k), keys))
    killer.join()
    assert killed_at
    assert sum(t > killed_at[0] for t in till.answered_at) >= 20  # load went on after the kill
    assert not a.running
    print(f"tries that failed while a service died: {till.failed_tries}")
    assert [r.status_code for r in answers] == [201] * len(keys)
    ids = {r.json()["transaction_id"] for r in answers}
    assert len(ids) == len(keys)  # one transaction per payment, none twice

    # Nothing lost, nothing doubled: the balance and the partner's list say the same.
    assert term.balance(JEAN, "MANUEQUIP") == start - 100 - 40 - 60 - 10 * len(keys)
    listed = [t for t in term.transactions() if t["terminal_id"] == term.terminal_id]
    assert len(listed) == 1 + 2 + len(keys)
    assert ids <= {t["transaction_id"] for t in listed}
    assert b.running
