"""What a refund receipt names: the transaction it cancels (number, date, holder).

Read after the cancellation succeeded, best effort: this terminal's journal first (it has the
holder's name), else the central service's list of the last 31 days (a cancellation is allowed
within 30). Nothing here can undo or block the refund: a failure leaves the fields unknown.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from pos.store import JOURNAL_ENTRY_OF_TRANSACTION, Store
from pos.sync.client import ApiClient, ApiError, ClientError

_MAX_PAGES = 40  # 500 a page: far more than a shop's month


def original_transaction(
    store: Store, api: ApiClient, transaction_id: str, today: date
) -> dict[str, Any] | None:
    """The cancelled transaction's record (`transaction_number`, `occurred_at`, `card_number`,
    `holder_name` when this terminal made it), None when it cannot be found."""
    transaction_id = transaction_id.lower()  # the service's ids are lower-case UUIDs
    with store.reading() as conn:
        rows = conn.execute(JOURNAL_ENTRY_OF_TRANSACTION, (transaction_id,)).fetchall()
    for (raw,) in rows:
        event: dict[str, Any] = json.loads(raw)
        if event.get("transaction_id") == transaction_id:
            return event
    cursor: str | None = None
    try:
        for _ in range(_MAX_PAGES):
            page = api.transactions(
                day_from=(today - timedelta(days=31)).isoformat(),
                day_to=today.isoformat(),
                cursor=cursor,
            )
            for item in page.get("items") or []:
                if item.get("transaction_id") == transaction_id:
                    return dict(item)
            cursor = page.get("next_cursor")
            if not cursor:
                break
    except (ApiError, ClientError):
        return None
    return None
