"""The window-side parts that need no central service: receipts (PDF and ESC/POS bytes), the
state line, the rate limiter and the task runner's "callbacks on the GUI thread" promise."""

from __future__ import annotations

import threading
from datetime import timedelta

from conftest import shot
from escpos.printer import Dummy
from PySide6.QtCore import QThread

from hdf_common import clock
from pos.terminal import Receipt, TerminalStatus
from pos.ui import receipts
from pos.ui.events import EventBridge, RateLimiter
from pos.ui.status_bar import StatusBar
from pos.ui.tasks import TaskRunner

NOW = clock.now()
RECEIPT = Receipt(
    ticket_number="T-000042",
    transaction_number="1234567",
    transaction_id="0b6c3c1e-4d1c-4bd0-9a55-2f7d1b3f9e10",
    status="Payé",
    kind="counter_payment",
    occurred_at=NOW,
    card_number="23166621",
    holder_name="Jean MARTIN",
    partner_name="LES PAGES",
    postal_code="80000",
    city="AMIENS",
    wallet_code="MANUEQUIP",
    wallet_label="Manuels et équipements",
    amount_cents=1250,
    balance_after_cents=6750,
)


def status(**changes):
    base = dict(
        enrolled=True,
        online=True,
        queue=0,
        oldest_queued_at=None,
        last_sync_at=NOW,
        clock_drift_seconds=2.0,
        follow_ups=0,
        offline_window_remaining_s=None,
        drift_warning=False,
    )
    base.update(changes)
    return TerminalStatus(**base)


def test_escpos_receipt_has_every_field_and_cuts_the_paper():
    printer = Dummy()
    receipts.escpos_print(printer, RECEIPT)
    data = printer.output
    for field in (
        b"LES PAGES",
        b"80000 AMIENS",
        b"T-000042",
        b"1234567",
        b"23166621",
        b"Jean MARTIN",
        b"Manuels et",
        b"12,50",
        b"67,50",
        b"Pay",
    ):
        assert field in data, field
    assert data.endswith(b"\x1dV\x00")


def test_offline_duplicate_receipt_says_so():
    offline = Receipt(**{**RECEIPT.__dict__, "offline": True, "transaction_number": None})
    text = receipts.receipt_text(offline, duplicate=True)
    assert "Accepté hors ligne : sera transmis au service central." in text.footer
    assert "DUPLICATA" in text.footer
    assert ("N° transaction", "—") in text.lines


def test_pdf_receipt_is_written(qapp, tmp_path):
    path = receipts.write_pdf(RECEIPT, tmp_path / "r.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"/Type /Page" in data


def test_state_line_shows_offline_queue_and_countdown(qtbot):
    bar = StatusBar()
    qtbot.addWidget(bar)
    bar.resize(1280, 40)
    bar.show()
    bar.show_status(status())
    bar.show_status.flush()
    assert bar.state.text().endswith("En ligne") and bar.property("state") == "online"
    assert bar.queue.text() == "Aucune opération en attente"
    assert bar.window.isHidden()
    since = NOW - timedelta(minutes=5)
    qtbot.wait(300)  # past the rate limit
    bar.show_status(
        status(
            online=False,
            queue=3,
            oldest_queued_at=since,
            offline_window_remaining_s=3600 * 71,
            drift_warning=True,
            clock_drift_seconds=-190,
        )
    )
    bar.show_status.flush()
    assert bar.state.text().endswith("Hors ligne") and bar.property("state") == "offline"
    assert bar.queue.text().startswith("3 en attente depuis ")
    assert bar.window.text().startswith("Hors ligne possible encore 70 h 59 min")
    assert bar.drift.text() == "Horloge décalée de 3 min avec le service central"
    shot(bar, "parts-state-line-offline")


def test_rate_limiter_coalesces_a_flood(qtbot):
    seen = []
    limiter = RateLimiter(seen.append, 100)
    for i in range(10_000):
        limiter((i, 10_000))
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] == (9_999, 10_000), timeout=2000)
    assert len(seen) <= 3


def test_task_callbacks_and_core_events_arrive_on_the_gui_thread(qtbot, qapp):
    runner = TaskRunner()
    bridge = EventBridge()
    gui = QThread.currentThread()
    where = {}

    def work():
        where["work"] = threading.current_thread().name
        bridge.core_callback("status", {"from": "worker"})
        return 42

    bridge.event.connect(lambda name, payload: where.setdefault("event", QThread.currentThread()))
    with qtbot.waitSignal(bridge.event, timeout=2000):
        runner.run_task(work, on_done=lambda v: where.update(done=(v, QThread.currentThread())))
    qtbot.waitUntil(lambda: "done" in where, timeout=2000)
    assert where["work"].startswith("ui-engine")
    assert where["done"] == (42, gui)
    assert where["event"] is gui
    errors = []
    runner.run_task(lambda: 1 / 0, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    assert isinstance(errors[0], ZeroDivisionError)
    runner.shutdown(wait=True)


def test_the_qt_binding_keeps_none_and_bools_alive(qapp):
    """PySide6 6.12.0 on Python 3.11 lost a reference to None at each slot call and each
    processEvents(): a counter left open all day aborted with "deallocating None"."""
    import sys

    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QPushButton

    class Source(QObject):
        value = Signal(object)

    source = Source()
    source.value.connect(lambda v: None)
    button = QPushButton()
    button.clicked.connect(lambda *a: None)
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        qapp.processEvents()
        button.click()
        source.value.emit(7)
    after = sys.getrefcount(None), sys.getrefcount(True)
    assert after[0] >= before[0] - 5 and after[1] >= before[1] - 5, (before, after)


def test_a_burst_of_core_events_reaches_the_gui_once_with_the_latest_payload(qtbot):
    bridge = EventBridge()
    seen = []
    bridge.event.connect(lambda name, payload: seen.append((name, payload)))

    def burst():
        for i in range(10_000):
            bridge.core_callback("operation", {"n": i})
        bridge.core_callback("status", {"queue": 0})

    worker = threading.Thread(target=burst)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: ("status", {"queue": 0}) in seen, timeout=2000)
    qtbot.wait(50)
    operations = [p for n, p in seen if n == "operation"]
    assert operations[-1] == {"n": 9_999}
    assert len(operations) <= 2
    assert bridge.received == 10_001
