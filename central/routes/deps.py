"""What the routers' handlers share: the service and the callers as dependencies, the documented
parameter types, the security and header documentation, the day-range check."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request

from central.errors import validation
from central.ledger import BeneficiaryCaller, TerminalCaller
from central.schemas import UUID_PATTERN
from central.service import Service
from central.web import log_fields

TERMINAL_AUTH: dict[str, Any] = {"security": [{"terminalToken": []}]}
BENEFICIARY_AUTH: dict[str, Any] = {"security": [{"beneficiaryToken": []}]}

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=UUID_PATTERN,
        description="A UUID chosen by the client before its first try.",
    ),
]
CARD_NUMBER_RE = re.compile(r"^[0-9]{8}$")
UUID_RE = re.compile(UUID_PATTERN)
CardNumberPath = Annotated[str, Path(pattern=r"^[0-9]{8}$")]
# The hot routes authenticate and validate in their own worker call, on one connection: their
# parameters are documented here and checked in the handler, after authentication.
CardNumberDoc = Annotated[str, Path(json_schema_extra={"pattern": r"^[0-9]{8}$"})]
KEY_HEADER_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "description": "A UUID chosen by the client before its first try.",
            "schema": {"type": "string", "pattern": UUID_PATTERN},
        }
    ]
}
TicketPath = Annotated[str, Path(pattern=r"^[0-9]{12}$")]
TransactionIdPath = Annotated[str, Path(pattern=UUID_PATTERN)]


def service(request: Request) -> Service:
    """The process's `Service`, which `create_app` puts in `app.state`."""
    svc: Service = request.app.state.service
    return svc


def note_caller(request: Request, caller: TerminalCaller) -> None:
    """Name the partner and the terminal in the request's log line."""
    fields = log_fields(request)
    fields["partner"] = caller.partner.code
    fields["terminal"] = caller.terminal_id


def terminal_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> TerminalCaller:
    caller = service(request).terminal(authorization)
    note_caller(request, caller)
    return caller


def beneficiary_caller(
    request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> BeneficiaryCaller:
    caller = service(request).beneficiary(authorization)
    log_fields(request)["card"] = caller.card_number
    return caller


Svc = Annotated[Service, Depends(service)]
Terminal = Annotated[TerminalCaller, Depends(terminal_caller)]
Beneficiary = Annotated[BeneficiaryCaller, Depends(beneficiary_caller)]


def check_business_day(*days: date | None) -> None:
    """400 for a day whose Paris bounds (in UTC, a month of slack) a datetime cannot hold."""
    for day in days:
        if day is not None and not date(2, 1, 1) <= day <= date(9998, 12, 1):
            raise validation("Date hors des limites acceptées.", status=400)
