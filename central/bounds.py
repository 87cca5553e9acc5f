"""Request bodies are bounded (API.md 1.1): over 1 MiB (a `/v1/sync` batch: 2 MiB) a request is
refused `413 payload_too_large` before authentication, while its body is being read.

`BodyLimit` is a pure ASGI middleware, in front of every route:
- a declared `Content-Length` over the limit is refused at once, nothing read (uvicorn then
  drops the bytes still coming without keeping them); one within the limit cannot grow past it
  (the HTTP parser holds a body to its declared length), so the request goes through untouched;
- a chunked body is read ahead here, up to the limit and no further: past it, 413; within it,
  the body is handed to the application as if it had just arrived.
So no request holds more than its limit in memory, whatever its size, and the routes (which read
their body after authenticating the caller) never see an oversized one.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from central.errors import dumps, problem_body

MIB = 1024 * 1024
DEFAULT_LIMIT = 1 * MIB
# A sync batch holds up to 500 queued operations (a card QR token each).
PATH_LIMITS = {"/v1/sync": 2 * MIB}


def body_limit(path: str) -> int:
    return PATH_LIMITS.get(path, DEFAULT_LIMIT)


class BodyLimit:
    """Refuse a request whose body is over its path's limit, before the application sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        declared: int | None = None
        chunked = False
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1  # the server's parser refuses it first, in practice
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if declared is not None and not chunked:
            if declared > limit:
                await _too_large(send, limit)
                return
            await self.app(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before the end of its body: nothing to answer.
                return
            body += message.get("body", b"")
            if len(body) > limit:
                body.clear()
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body read ahead, then what the server says next (disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(send: Send, limit: int) -> None:
    payload = dumps(
        problem_body(
            413,
            "payload_too_large",
            f"Requête trop volumineuse : au plus {limit // MIB} Mio.",
        )
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(payload)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload, "more_body": False})
