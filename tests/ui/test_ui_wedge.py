"""The wedge filter: a scanner burst is one scan from anywhere; typing stays typing."""

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from pos.ui.wedge import WedgeFilter


@pytest.fixture
def window(qtbot, qapp):
    w = QWidget()
    layout = QVBoxLayout(w)
    w.amount = QLineEdit("12,5")
    w.other = QLineEdit()
    layout.addWidget(w.amount)
    layout.addWidget(w.other)
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


def type_keys(widget, text, delay_s):
    for ch in text:
        QTest.keyClick(widget, ch)
        if delay_s:
            time.sleep(delay_s)


def test_burst_with_late_enter_is_one_scan_and_leaves_the_field_as_it_was(window, qtbot):
    w, wedge = window
    seen = []
    wedge.scanned.connect(seen.append)
    type_keys(w.amount, "23166621", 0.003)
    time.sleep(0.18)  # the Enter comes 180 ms after the last character
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    assert seen == ["23166621"]
    assert w.amount.text() == "12,5"


def test_human_typing_is_not_a_scan(window):
    w, wedge = window
    seen = []
    wedge.scanned.connect(seen.append)
    w.amount.clear()
    type_keys(w.amount, "23166621", 0.08)
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    assert seen == []
    assert w.amount.text() == "23166621"


def test_enter_too_late_is_not_a_scan(window):
    w, wedge = window
    seen = []
    wedge.scanned.connect(seen.append)
    type_keys(w.amount, "23166621", 0.002)
    time.sleep(0.3)
    QTest.keyClick(w.amount, Qt.Key.Key_Return)
    assert seen == []
