"""Reading what is typed at the sandbox prompt; bad lines become `InputError`s.

An `InputError`'s text is shown as `! text`: one line, in the sandbox's own words, saying
what was expected. Nothing is sent to the local Discord for such a line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

MAX_MESSAGE = 2000  # Discord's limit for a message a member sends
MAX_WAIT_SECONDS = 300
MAX_REMIND_MINUTES = 60

_SECONDS = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3})?")
_WHOLE = re.compile(r"[0-9]{1,4}")
_MENTION = re.compile(r"(?<![\w<@#])([@#])([\w-]+)")


class InputError(ValueError):
    """A line the sandbox won't act on; the message says what was expected."""


def check_line(line: str) -> None:
    """Refuse what a Discord client could not send: broken text, control bytes, too long."""
    if any(0xD800 <= ord(char) <= 0xDFFF for char in line):
        raise InputError("that line is not valid text (UTF-8); nothing was sent")
    if any(unicodedata.category(char) == "Cc" and char != "\t" for char in line):
        raise InputError("that line has control characters (like NUL); nothing was sent")
    if len(line) > MAX_MESSAGE:
        raise InputError(
            f"a message is at most {MAX_MESSAGE} characters and that line has {len(line)}; "
            "nothing was sent"
        )


@dataclass(frozen=True, slots=True)
class Meta:
    """A sandbox command: `:word argument`."""

    word: str
    argument: str


def parse_meta(line: str) -> Meta:
    word, _, argument = line.strip().removeprefix(":").partition(" ")
    return Meta(word.lower(), argument.strip())


def parse_seconds(text: str) -> float:
    """`:wait 5` — seconds to let the bot talk (reminders firing), 1 when omitted."""
    if not text:
        return 1.0
    seconds = float(text) if _SECONDS.fullmatch(text) else 0.0
    if not 0 < seconds <= MAX_WAIT_SECONDS:
        raise InputError(f":wait takes seconds, up to {MAX_WAIT_SECONDS}, e.g. :wait 5")
    return seconds


def parse_minutes(text: str) -> int:
    """`:remind-in 2` — minutes until the new reminder fires, 1 when omitted."""
    if not text:
        return 1
    minutes = int(text) if _WHOLE.fullmatch(text) else 0
    if not 1 <= minutes <= MAX_REMIND_MINUTES:
        raise InputError(
            f":remind-in takes minutes from 1 to {MAX_REMIND_MINUTES}, e.g. :remind-in 2"
        )
    return minutes


def parse_button(text: str) -> int:
    """`:click 1` — the number shown in front of a button, e.g. `[1] Delete my data`."""
    if not _WHOLE.fullmatch(text) or int(text) == 0:
        raise InputError(":click takes the number of a button, e.g. :click 1")
    return int(text)


def parse_name(text: str, what: str, known: list[str], sigil: str) -> str:
    """A member or channel name as typed (`bob`, `@bob`, `#gym`), checked against `known`."""
    name = text.strip().removeprefix(sigil).lower()
    if not name:
        raise InputError(f"say which {what}, e.g. {sigil}{known[0]}")
    if name not in known:
        shown = name if len(name) <= 32 else name[:31] + "…"
        listed = ", ".join(sigil + k for k in known) if len(known) <= 6 else ":who lists them"
        raise InputError(f"there is no {what} {sigil}{shown}; {listed}")
    return name


def printable(text: str) -> str:
    """`text` safe to echo: control characters (escape sequences too) shown as �."""
    return "".join(
        "\ufffd" if unicodedata.category(char) in ("Cc", "Cs") else char for char in text
    )


def with_mentions(
    text: str,
    user: Callable[[str], int | None],
    role: Callable[[str], int | None],
    channel: Callable[[str], int | None],
) -> str:
    """`@bob`, `@lifters` and `#gym` typed in the terminal become real Discord mentions."""

    def replace(match: re.Match[str]) -> str:
        sigil, name = match[1], match[2].lower()
        if sigil == "#":
            found = channel(name)
            return f"<#{found}>" if found is not None else match[0]
        if (found := user(name)) is not None:
            return f"<@{found}>"
        if (found := role(name)) is not None:
            return f"<@&{found}>"
        return match[0]

    return _MENTION.sub(replace, text)
