"""Telling a mistyped command from a check-in note.

`!legday leaderboard` must not log a leg day with the note "leaderboard". A note whose first
word is a command name, one of the words members use for a command, or a near miss of one,
is held back and answered with a suggestion instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Words members reach for that are not command names, and the command they mean.
EVERYDAY_WORDS: Mapping[str, str] = {
    "leaderboard": "top",
    "leaderboards": "top",
    "lb": "top",
    "board": "top",
    "ranks": "top",
    "ranking": "top",
    "standings": "top",
    "streak": "top streak",
    "streaks": "top streak",
    "stat": "stats",
    "profile": "stats",
    "yesterday": "log yesterday",
    "backfill": "log",
    "delete": "undo",
    "cancel": "undo",
    "quote": "why",
    "motivation": "why",
    "motivate": "why",
    "timezone": "tz",
    "reminder": "remind",
    "reminders": "remind",
    "private": "hide",
    "commands": "help",
    "config": "settings",
    "setup": "settings",
    "schedules": "schedule",
}

# Words that name the admin command group: `!legday admin quotes add ...` means the admin
# command after them (whose prefix form is `!legday quotes add ...`), never a note.
GROUP_WORDS = frozenset({"admin", "legday-admin"})

# Real words members start notes with that are one slip from a command word: never a typo.
NOT_TYPOS = frozenset({"start", "steak", "hike", "hikes", "forgot", "hell", "stop"})

# Short words are too easily real notes ("leg" and "long" are one letter from "log"):
# for a word this short only two neighbouring letters swapped ("tpo") or a key pressed
# twice ("topp") counts as a slip.
_MIN_LENGTH_FOR_TYPOS = 4
_PUNCTUATION = ".,;:!?\"'`()[]{}"


def first_word(text: str) -> str:
    """The first word of a note, lower-cased, without the punctuation around it."""
    words = text.split(maxsplit=1)
    return words[0].strip(_PUNCTUATION).casefold() if words else ""


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    swaps of two neighbouring characters each cost one."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _is_swap(a: str, b: str) -> bool:
    if len(a) != len(b) or sorted(a) != sorted(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(differ) == 2 and differ[1] == differ[0] + 1


def _is_stutter(word: str, name: str) -> bool:
    """`word` is `name` with one of its letters typed twice."""
    return len(word) == len(name) + 1 and any(
        word == name[: i + 1] + name[i:] for i in range(len(name))
    )


def _slips(word: str, name: str) -> int | None:
    """How many slips `word` is from `name`, when it is close enough to be one (never
    equal: an exact name is matched before); None when it is not."""
    if min(len(word), len(name)) < _MIN_LENGTH_FOR_TYPOS:
        return 1 if _is_swap(word, name) or _is_stutter(word, name) else None
    # One slip for ordinary words, two for long ones ("leaderbaord").
    limit = 1 if max(len(word), len(name)) < 8 else 2
    if abs(len(word) - len(name)) > limit:
        return None  # every missing letter is a slip: no need to align them (most words)
    distance = edit_distance(word, name)
    return distance if distance <= limit else None


def suggest_command(
    note: str, command_names: Iterable[str], everyday: Mapping[str, str] = EVERYDAY_WORDS
) -> str | None:
    """The command the note's first word most likely meant, or None for a real note.

    `command_names` are the subcommand names and aliases members can type after `legday`;
    `everyday` maps other words to the command (and arguments) they stand for.
    """
    word = first_word(note)
    if not word:
        return None
    if word in GROUP_WORDS:
        rest = note.split(maxsplit=1)[1:]
        meant = suggest_command(rest[0], command_names, everyday) if rest else None
        return meant or "help"
    known = {name.casefold(): name for name in command_names}
    known.update({k: v for k, v in everyday.items() if k not in known})
    if word in known:
        return known[word]
    if word in NOT_TYPOS:
        return None
    best: tuple[int, str] | None = None
    for candidate, target in sorted(known.items()):
        distance = _slips(word, candidate)
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, target)
    return None if best is None else best[1]


# The held note travels in the suggestion message itself, quoted after this line, so the
# "Log it as a note" button needs no memory and keeps working after a restart.
_NOTE_LEAD = "If it was a note for today's leg day, press **Log it as a note**:"


def held_note_message(command: str, note: str) -> str:
    """The answer to a note that looks like a command, with the note quoted at the end."""
    quoted = "\n".join(f"> {line}" for line in note.split("\n"))
    return f"Did you mean `{command}`? I haven't logged anything.\n{_NOTE_LEAD}\n{quoted}"


def held_note(message: str) -> str | None:
    """The note quoted in a `held_note_message`, exactly as it was; None if there is none."""
    _, lead, quoted = message.partition(_NOTE_LEAD + "\n")
    if not lead:
        return None
    lines = quoted.split("\n")
    if not all(line.startswith(">") for line in lines):
        return None
    return "\n".join(line[2:] if line.startswith("> ") else line[1:] for line in lines)
