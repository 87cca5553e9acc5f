"""The Xvfb tests read their counter's answers line by line from a pipe (tests/support)."""

from __future__ import annotations

import os

from support.pipe_lines import PipeLines


def test_two_lines_come_in_one_chunk_and_both_are_read_at_once():
    # The failure it fixes: `select()` then `readline()` on the file object returned the first
    # and left the second in Python's buffer, unseen by `select()`: a 30 s wait, then every
    # later answer one behind (seen in the suite: "no answer from the counter within 30 s").
    read, write = os.pipe()
    with os.fdopen(read, "rb", buffering=0) as pipe:
        os.write(write, "scanned: 23166621\n= None\né".encode())
        lines = PipeLines(pipe)
        assert lines.next_line(1) == "scanned: 23166621"
        assert lines.next_line(0) == "= None"  # already here: no waiting for it
        assert lines.next_line(0) is None  # half a line is not a line
        os.write(write, b"\n")
        assert lines.next_line(1) == "é"
        os.close(write)
        assert lines.next_line(1) is None and lines.ended
