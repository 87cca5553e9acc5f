"""What every panel is given through its constructor: the facade and the window-side services.

No global application object (STYLE.md): the shell builds one `Services` and hands it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pos.ui.events import EventBridge
from pos.ui.prompts import Prompts
from pos.ui.settings import ManagerPin, Settings
from pos.ui.sounds import Sounds
from pos.ui.tasks import TaskRunner

if TYPE_CHECKING:  # imported lazily at run time (app.open_terminal): a faster cold start
    from pos.domain import Partner
    from pos.terminal import Terminal


@dataclass
class Services:
    terminal: Terminal  # the Qt-free facade; only ever called off the GUI thread
    runner: TaskRunner
    bridge: EventBridge
    prompts: Prompts
    settings: Settings
    sounds: Sounds
    pin: ManagerPin
    partner: Partner | None = None  # the cached partner profile (read once, off the hot path)
