"""The service's routes, one `APIRouter` a subject; `central.app.create_app` serves their routes
in this order (the order of the OpenAPI document's paths):

- `public`: `/v1/health`, `/v1/keys` (no authentication).
- `terminal`: enrolment, partner profile, card and voucher look-ups, payment, redemption,
  transactions, cancellation.
- `sync`: `/v1/sync` (queued offline operations), `/v1/denylist`, `/v1/statements/daily`.
- `journal`: the journal's witness (a terminal's journal heads, `central.journal`).
- `beneficiary`: the extranet's session, card, QR code, prepayments, online payments, report.

Shared by them: `deps` (the service and the callers as dependencies, documented parameter
types) and `keyed` (`idempotent`, which every money route ends in, and the request hashes that
`/v1/sync` shares).
"""

from central.routes import beneficiary, journal, public, sync, terminal

ROUTERS = (public.router, terminal.router, sync.router, journal.router, beneficiary.router)

__all__ = ["ROUTERS"]
