"""Lines from a child process's pipe, read straight from its file descriptor.

`select()` on a pipe's buffered file object, then `readline()`, loses lines: when two lines came
in one chunk, `readline()` returns the first and keeps the second in Python's buffer, where
`select()` on the descriptor does not see it; the reader then waits for a line it already has
(and every later answer comes one behind). Under load, when the reader is slow, it happens.
"""

from __future__ import annotations

import codecs
import os
import select
import time
from typing import IO, Any


class PipeLines:
    def __init__(self, pipe: IO[Any]) -> None:
        self.fd = pipe.fileno()
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.ended = False

    def next_line(self, timeout: float) -> str | None:
        """The next whole line (without its newline); None when none came within `timeout`
        seconds or the pipe closed."""
        deadline = time.monotonic() + timeout
        while "\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.ended:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.5))
            if not ready:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.ended = True
                self.pending += self.decoder.decode(b"", final=True)
                continue
            self.pending += self.decoder.decode(chunk)
        line, self.pending = self.pending.split("\n", 1)
        return line
