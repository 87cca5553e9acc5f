"""Reference central service of the carte Génération #HDF: the contract of docs/API.md over HTTP.

The map (one responsibility a file; docs/API-notes.md records the choices where API.md is silent):

- `app.py`: `create_app` wires the routers, the request log, the error handlers, the OpenAPI
  document and the `Service`; `app_from_environment` for uvicorn's workers.
- `service.py`: `Service`, what the routes share (database, signing keys, wallet codes),
  authentication of terminals and beneficiaries, the minute's sweep; the thread-pool size.
- `routes/`: the endpoints as `APIRouter`s: `public` (health, keys), `terminal` (enrolment,
  look-ups, payment, redemption, transactions, cancellation), `sync` (`/v1/sync`, deny-list,
  daily statement), `beneficiary` (the extranet's calls); `deps` the shared dependencies and
  parameter types; `keyed` the `idempotent` helper every money route ends in, and what "the
  same request" means for each operation.
- `ledger/`: the money rules, run inside the caller's transaction: `common` (callers, the ledger
  row, QR-token check), `cards` (status, wallets, debit and credit), `payments`, `vouchers`,
  `cancellations`, `sync` (how a queued offline operation is judged).
- `queries.py`: what the API reads (card views, transaction pages, daily statements, deny-list).
- `idempotency.py`: the Idempotency-Key store (one write transaction, stored with its effects).
- `web.py`: HTTP plumbing (request log, problem responses, body parsing, the OpenAPI document).
- `bounds.py`: request bodies bounded while they are read (413 before authentication).
- `schemas.py`: API.md's request and response shapes; `errors.py`: problem details.
- `db.py`, `models.py`, `migrate.py`, `migrations/`: engines and transactions, tables, Alembic.
- `metrics.py`: `/metrics` (Prometheus, summed over workers) and the readiness probe.
- `ops/`: running it like a real service: `backup` (and restore), `purge` (RGPD retention,
  docs/RETENTION.md), `scale_seed` (`seed --scale`, a region-sized data set); docs/DEPLOY.md.
- `security.py` (passwords, tokens), `limits.py` (login and look-up limits, atomic in the
  database; the client's address), `keyring.py` (QR signing keys), `sealing.py` (those keys
  sealed at rest), `clock.py` (instants and business days), `photos.py`, `voucher_pdf.py`.
- `admin.py` (reference data, the DEMO.md set), `terminal_admin.py` (terminal list and
  revocation, partner passwords) and `cli.py` (`hdf-central`; its administrative commands in
  `cli_admin.py`).
- `journal.py`: the terminals' journal heads (the witness); `journal_conflicts(conn, terminal_id)`
  counts a terminal's refused heads (`hdf-central terminal list`).
"""

__version__ = "0.1.0"
