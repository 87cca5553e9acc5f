"""Proxies between a terminal and the real central service, for the trust and link tests: the
socket, the accept loop, forwarding one request on a fresh upstream connection, and a close that
really stops listening (shutdown wakes a blocked accept)."""

from __future__ import annotations

import socket
import threading

from terminal.helpers import _read_http_message


class ForwardingProxy:
    """Listens on `host` (loopback by default); subclasses say what to do with a connection."""

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream_port = upstream_port
        self._clients: list[socket.socket] = []
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((host, 0))
        self._server.listen(64)
        self.host, self.port = self._server.getsockname()[:2]
        self.url = f"http://{self.host}:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        """The service goes away: nothing listens any more, open connections are cut."""
        for sock in [self._server, *self._clients]:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def forward(self, request: bytes) -> tuple[bytes, bytes]:
        """Send one request upstream (its own connection); the answer's (head lines, body),
        without its Connection header."""
        with socket.create_connection(("127.0.0.1", self.upstream_port), 30) as up:
            up.sendall(request.replace(b"keep-alive", b"close", 1))
            response = _read_http_message(up)
        head, _, body = response.partition(b"\r\n\r\n")
        lines = [h for h in head.split(b"\r\n") if not h.lower().startswith(b"connection")]
        return b"\r\n".join(lines), body

    def handle(self, client: socket.socket) -> None:
        """One request, forwarded, then the connection closed."""
        request = _read_http_message(client)
        if request:
            head, body = self.forward(request)
            client.sendall(head + b"\r\nconnection: close\r\n\r\n" + body)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self._clients.append(client)
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            try:
                self.handle(client)
            except OSError:
                return
