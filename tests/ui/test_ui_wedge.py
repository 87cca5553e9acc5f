"""The wedge filter: a scanner burst is one scan from anywhere; typing stays typing."""

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from pos.ui.wedge import WedgeFilter, accept_scans


@pytest.fixture
def window(qtbot, qapp):
    w = QWidget()
    layout = QVBoxLayout(w)
    w.amount = QLineEdit("12,5")
    w.other = QLineEdit()
    layout.addWidget(w.amount)
    layout.addWidget(w.other)
    for field in (w.amount, w.other):  # fields where a burst is a scan (as the counter's)
        accept_scans(field)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.amount.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.amount)
    wedge = WedgeFilter(qapp)
    qapp.installEventFilter(wedge)
    yield w, wedge
    qapp.removeEventFilter(wedge)


def type_keys(qtbot, widget, text, delay_s):
    for ch in text:
        QTest.keyClick(widget, ch)
        if delay_s:
            qtbot.wait(int(delay_s * 1000)) if delay_s >= 0.02 else time.sleep(delay_s)


def test_burst_with_late_enter_is_one_scan_and_types_nothing(window, qtbot):
    w, wedge = window
    seen = []
    entered = []
    w.amount.returnPressed.connect(lambda: entered.append(True))
    wedge.scanned.connect(seen.append)
    type_keys(qtbot, w.amount, "23166621", 0.003)
    time.sleep(0.18)  # the Enter comes 180 ms after the last character
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    qtbot.wait(300)
    assert seen == ["23166621"]
    assert w.amount.text() == "12,5"
    assert entered == []  # the scan's Enter did not validate the field


def test_burst_without_enter_is_a_scan_after_a_pause(window, qtbot):
    w, wedge = window
    seen = []
    wedge.scanned.connect(seen.append)
    type_keys(qtbot, w.amount, "898564564632", 0.002)
    qtbot.waitUntil(lambda: seen == ["898564564632"], timeout=1000)
    assert w.amount.text() == "12,5"


def test_a_person_typing_gets_every_key_back_in_order(window, qtbot):
    w, wedge = window
    seen = []
    entered = []
    w.amount.returnPressed.connect(lambda: entered.append(w.amount.text()))
    wedge.scanned.connect(seen.append)
    w.amount.clear()
    type_keys(qtbot, w.amount, "23166621", 0.08)
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entered == ["23166621"], timeout=1000)
    assert seen == []
    QTest.keyClick(w.amount, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.other, timeout=1000)


def test_enter_too_late_is_not_part_of_the_scan(window, qtbot):
    w, wedge = window
    seen = []
    entered = []
    w.amount.returnPressed.connect(lambda: entered.append(True))
    wedge.scanned.connect(seen.append)
    type_keys(qtbot, w.amount, "23166621", 0.002)
    qtbot.wait(400)
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: entered == [True], timeout=1000)
    assert seen == ["23166621"]
