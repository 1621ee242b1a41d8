"""Reading a bot's log file: when a line was logged, and every number a line reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# The head of every line the bot's formatter writes: "2026-12-02 15:07:42,123 INFO ...".
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


@dataclass(frozen=True, slots=True)
class Logged:
    at: float  # seconds since the epoch (the log's local time read back)
    numbers: tuple[int, ...]  # the pattern's groups, as whole numbers
    line: str


def find_lines(text: str, pattern: str) -> list[Logged]:
    """Every line of `text` that has a time stamp and matches `pattern`, in order."""
    compiled = re.compile(pattern)
    found = []
    for line in text.splitlines():
        stamp = _STAMP.match(line)
        match = compiled.search(line)
        if stamp is None or match is None:
            continue
        when = datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        found.append(Logged(when, tuple(int(g) for g in match.groups() if g is not None), line))
    return found


def first_line(path: Path, pattern: str) -> Logged | None:
    if not path.exists():
        return None
    found = find_lines(path.read_text(errors="replace"), pattern)
    return found[0] if found else None


def tracebacks(text: str) -> int:
    return text.count("Traceback (most recent call last)")
