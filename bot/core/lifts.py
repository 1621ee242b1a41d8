"""Lifts written in a check-in note, and the personal records they set.

A note is free text; this finds the lifts in it and leaves everything else alone. It never
rejects a note: text without a lift (or with numbers that are no lift: "felt great 10/10",
"5k run", "2x as hard", "at 6:30") gives no lifts, and any text is read in bounded time
(only the first `MAX_NOTE_CHARS` characters, at most `MAX_LIFTS` lifts, one linear pass).

What is read, per lift (lifts are separated by `,` `;` `|` `+` `&`, new lines, "and" or
"then"; a comma between digits is a decimal comma):

- the sets: `5x5` (also `X`, `×`, `*`, spaces allowed, an optional "reps" after),
  `3 sets of 8`, `3 sets x 8`, `3 sets 8 reps`, or a single set `100kg x 5` /
  `100 x 5` (a first number over `MAX_SETS` is a weight);
- the weight: `100kg`, `@ 100`, `at 60 kg`, `135 lb`, `135#`, a bare `100` (the member's
  unit), `bw`/`bodyweight` or none at all (weight 0: bodyweight or not given);
- the exercise, before or after the numbers: a known leg exercise by any of its aliases
  (`ALIASES`: "rdl", "bss", "squats", ...), else the words right before the sets (or else
  right after them) kept as a free name of up to `MAX_FREE_WORDS` words, lower-cased,
  plurals trimmed, filler such as "did", "today" or "heavy" left out ("did some box jumps
  3x10 by the wall" -> "box jump"); a set pattern with no name ("did 5x5 today") is no lift.

Numbers that are times, dates, scores, percentages or distances ("6:30", "3.12.", "10/10",
"80%", "5k", "400m", "6pm") are never sets or weights.

Out of bounds (`MAX_SETS`, `MAX_REPS`, `MAX_KG`) is no lift, never an error. Several lifts
with no separator are read only when each names its exercise first
("squat 5x5 100 rdl 3x8 60").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from bot.core.errors import InputError, echo

MAX_NOTE_CHARS = 500
MAX_LIFTS = 10
MAX_SETS = 50
MAX_REPS = 100
MAX_KG = 1000
MAX_FREE_WORDS = 4
MAX_NAME_CHARS = 40  # the width of lift_sets.exercise
# Epley grows without limit with reps; past about a dozen it says little about a single.
E1RM_MAX_REPS = 12
KG_PER_LB = Decimal("0.45359237")
UNITS = ("kg", "lb")

# Canonical name -> other ways of writing it (words as `_words` leaves them: lower case,
# plural "s" trimmed, hyphens as spaces).
_CANONICAL: dict[str, tuple[str, ...]] = {
    "squat": ("back squat", "bs", "barbell squat", "high bar squat", "low bar squat"),
    "front squat": ("fs",),
    "box squat": (),
    "pause squat": ("paused squat",),
    "hack squat": (),
    "goblet squat": (),
    "pistol squat": ("pistol",),
    "split squat": (),
    "bulgarian split squat": ("bss", "bulgarian", "bulgarian squat", "rfess"),
    "deadlift": ("dl", "conventional deadlift", "conventional"),
    "sumo deadlift": ("sumo", "sumo dl"),
    "romanian deadlift": ("rdl", "romanian dl", "romanian"),
    "stiff leg deadlift": ("sldl", "stiff legged deadlift"),
    "trap bar deadlift": ("hex bar deadlift", "tbdl", "trap bar dl", "hex bar dl"),
    "leg press": ("lp",),
    "lunge": ("walking lunge", "reverse lunge", "forward lunge", "dumbbell lunge"),
    "hip thrust": ("ht", "barbell hip thrust", "glute thrust"),
    "glute bridge": (),
    "leg extension": ("leg ext", "quad extension", "knee extension"),
    "leg curl": ("hamstring curl", "lying leg curl", "seated leg curl", "ham curl"),
    "nordic curl": ("nordic", "nordic hamstring curl"),
    "calf raise": ("calve", "calf", "standing calf raise", "seated calf raise"),
    "step up": ("stepup", "step ups"),
    "good morning": (),
    "hip abduction": ("abduction",),
    "hip adduction": ("adduction",),
}
ALIASES: dict[tuple[str, ...], str] = {}
for _name, _others in _CANONICAL.items():
    for _alias in (_name, *_others):
        ALIASES[tuple(_alias.split())] = _name
_LONGEST_ALIAS = max(len(key) for key in ALIASES)

_KG_WORDS = frozenset({"kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme"})
_LB_WORDS = frozenset({"lb", "lbs", "pound", "pounds"})
_BW_WORDS = frozenset({"bw", "bodyweight"})
_SETS_WORDS = frozenset({"set", "sets"})
_REPS_WORDS = frozenset({"rep", "reps", "repetition", "repetitions"})
_AT_WORDS = frozenset({"at", "with", "w"})
_SPLIT_WORDS = frozenset({"and", "then"})
# Words kept out of a free exercise name: what people write around a lift.
_FILLER = frozenset(
    {
        "a", "an", "the", "did", "do", "done", "doing", "some", "my", "i", "me", "we", "was",
        "were", "is", "it", "its", "for", "of", "on", "in", "to", "today", "tonight", "this",
        "morning", "evening", "felt", "feel", "feeling", "easy", "hard", "heavy", "light",
        "good", "great", "nice", "solid", "ok", "okay", "pr", "prs", "new", "top", "working",
        "work", "warmup", "warm", "up", "down", "day", "session", "workout", "gym", "legs",
        "leg", "just", "also", "plus", "again", "more", "then", "finally", "first", "last",
        "after", "before", "x", "by", "per", "each", "total", "about", "around", "only", "like",
        "really", "very", "so", "still",
    }
)  # fmt: skip
# Words after a number that make it a time, a distance or a duration.
_NOT_WEIGHTS = frozenset(
    {
        "am", "pm", "h", "hr", "hrs", "hour", "min", "mins", "minute", "second", "sec", "secs",
        "k", "km", "m", "mi", "mile", "meter", "metre", "cal", "kcal",
    }
)  # fmt: skip

# One linear pass: a number, a run of letters, or any other single character. No nested
# quantifiers, so nothing backtracks.
_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[^\W\d_]+|\S")
_TIMES = frozenset({"x", "×", "*"})
_SEPARATORS = frozenset({";", "|", "+", "&", "\n"})


class Kind(Enum):
    NUM = "num"
    WORD = "word"
    TIMES = "x"
    AT = "@"
    UNIT = "unit"
    BW = "bw"
    SETS = "sets"
    REPS = "reps"
    OTHER = "other"
    BREAK = "break"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Kind
    text: str
    number: Decimal | None = None  # NUM: the value
    whole: bool = False  # NUM: written without a decimal part
    unit: str | None = None  # UNIT: "kg" or "lb"
    glued: bool = False  # no space before it ("6:30", "3.12.")


@dataclass(frozen=True, slots=True)
class Lift:
    """One line of a training log: `sets` x `reps` at a weight, in hundredths of `unit`
    (0: bodyweight or no weight given)."""

    exercise: str
    sets: int
    reps: int
    weight_centi: int
    unit: str

    @property
    def kg(self) -> float:
        return kilograms(self.weight_centi, self.unit)

    @property
    def weighted(self) -> bool:
        return self.weight_centi > 0


# ---- reading -------------------------------------------------------------------------


def _word_kind(word: str) -> _Token:
    lower = word.lower()
    if lower in _TIMES:
        return _Token(Kind.TIMES, lower)
    if lower in _KG_WORDS:
        return _Token(Kind.UNIT, lower, unit="kg")
    if lower in _LB_WORDS:
        return _Token(Kind.UNIT, lower, unit="lb")
    if lower in _BW_WORDS:
        return _Token(Kind.BW, lower)
    if lower in _SETS_WORDS:
        return _Token(Kind.SETS, lower)
    if lower in _REPS_WORDS:
        return _Token(Kind.REPS, lower)
    if lower in _AT_WORDS:
        return _Token(Kind.AT, lower)
    if lower in _SPLIT_WORDS:
        return _Token(Kind.BREAK, lower)
    return _Token(Kind.WORD, _singular(lower))


def _singular(word: str) -> str:
    """ "squats" -> "squat", "lunges" -> "lunge", "pushes" -> "push"; "press", "bss" and
    short words stay."""
    if len(word) > 4 and word.endswith(("shes", "ches", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _number(text: str) -> _Token:
    if len(text) > 9:  # no weight or count is that long; keeps Decimal and int() small
        return _Token(Kind.OTHER, text)
    return _Token(Kind.NUM, text, number=Decimal(text.replace(",", ".")), whole=text.isdigit())


_TIMES_NEXT = re.compile(r"\s*[x×*]", re.IGNORECASE)


def _tokens(text: str) -> list[_Token]:
    found: list[_Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        glued = match.start() > 0 and not text[match.start() - 1].isspace()
        if raw[0] in "0123456789":
            if "," in raw and _TIMES_NEXT.match(text, match.end()):
                # "3x8,5x5": a list, not 8.5 reps.
                before, after = raw.split(",")
                found += [_number(before), _Token(Kind.BREAK, ","), _number(after)]
                continue
            token = _number(raw)
        elif raw in _SEPARATORS or raw == ",":
            token = _Token(Kind.BREAK, raw)
        elif raw == "@":
            token = _Token(Kind.AT, raw)
        elif raw == "#":
            token = _Token(Kind.UNIT, raw, unit="lb")
        elif raw in _TIMES:
            token = _Token(Kind.TIMES, raw)
        elif raw[0].isalpha():
            found.extend(_glued(raw))
            continue
        else:
            token = _Token(Kind.OTHER, raw)
        found.append(_Token(token.kind, token.text, token.number, token.whole, token.unit, glued))
    return _mark_times(found)


def _glued(word: str) -> list[_Token]:
    """A word with the times sign stuck to it: "kgx" in "100kgx5", "x" in "5x5" is apart
    already (digits end a word)."""
    lower = word.lower()
    if len(lower) > 1 and lower.endswith("x") and lower[:-1] in _KG_WORDS | _LB_WORDS:
        return [_word_kind(lower[:-1]), _Token(Kind.TIMES, "x")]
    if len(lower) > 1 and lower.startswith("x") and lower[1:] in _REPS_WORDS:
        return [_Token(Kind.TIMES, "x"), _word_kind(lower[1:])]
    return [_word_kind(word)]


def _mark_times(tokens: list[_Token]) -> list[_Token]:
    """Numbers that are clock times, dates, scores, percentages, distances or durations
    ("6:30", "3.12.", "10/10", "80%", "5k", "10 min", "6pm") are no part of a lift."""
    marked = list(tokens)

    def other(i: int) -> None:
        marked[i] = _Token(Kind.OTHER, marked[i].text, glued=marked[i].glued)

    for i, token in enumerate(marked):
        if token.kind is not Kind.NUM:
            continue
        after = _at(marked, i + 1)
        if after is not None and after.glued and after.text in (":", "/", "-", "%", "."):
            other(i)
            later = _at(marked, i + 2)
            if later is not None and later.glued and later.kind is Kind.NUM:
                other(i + 2)
        elif after is not None and after.kind is Kind.WORD and after.text in _NOT_WEIGHTS:
            other(i)
    return marked


def _chunks(tokens: list[_Token]) -> list[list[_Token]]:
    """The note cut at separators, then a chunk holding several set patterns cut again
    before each word that follows a number ("squat 5x5 100 rdl 3x8 60")."""
    pieces: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind is Kind.BREAK:
            pieces.append([])
        else:
            pieces[-1].append(token)
    found: list[list[_Token]] = []
    for piece in pieces:
        if not piece:
            continue
        if sum(1 for i in range(len(piece)) if _sets_at(piece, i) is not None) < 2:
            found.append(piece)
            continue
        current: list[_Token] = []
        for i, token in enumerate(piece):
            previous = piece[i - 1] if i else None
            if (
                token.kind is Kind.WORD
                and previous is not None
                and previous.kind in (Kind.NUM, Kind.UNIT, Kind.BW, Kind.REPS)
                and token.text != "of"
                and current
            ):
                found.append(current)
                current = []
            current.append(token)
        found.append(current)
    return found


@dataclass(frozen=True, slots=True)
class _Sets:
    start: int
    end: int  # exclusive
    sets: int
    reps: int
    weight: tuple[Decimal, str | None] | None = None  # "100kg x 5" carries its weight


def _count(token: _Token | None, limit: int) -> int | None:
    if token is None or token.kind is not Kind.NUM or not token.whole:
        return None
    assert token.number is not None
    value = int(token.number)
    return value if 1 <= value <= limit else None


def _at(tokens: Sequence[_Token], i: int) -> _Token | None:
    return tokens[i] if 0 <= i < len(tokens) else None


def _kind_at(tokens: Sequence[_Token], i: int) -> Kind | None:
    token = _at(tokens, i)
    return None if token is None else token.kind


def _sets_at(tokens: Sequence[_Token], i: int) -> _Sets | None:
    """The set pattern starting at token `i`, if one does."""
    first = _at(tokens, i)
    if first is None or first.kind is not Kind.NUM:
        return None
    # "100kg x 5", "135 lb x 8": a weight times reps, one set.
    if _kind_at(tokens, i + 1) is Kind.UNIT and _kind_at(tokens, i + 2) is Kind.TIMES:
        reps = _count(_at(tokens, i + 3), MAX_REPS)
        if reps is None:
            return None
        assert first.number is not None
        end = i + 4 + (_kind_at(tokens, i + 4) is Kind.REPS)
        return _Sets(i, end, 1, reps, (first.number, tokens[i + 1].unit))
    if _kind_at(tokens, i + 1) is Kind.TIMES:
        second = _count(_at(tokens, i + 2), MAX_REPS)
        if second is None:
            return None
        end = i + 3 + (_kind_at(tokens, i + 3) is Kind.REPS)
        sets = _count(first, MAX_SETS)
        if sets is not None:
            return _Sets(i, end, sets, second)
        assert first.number is not None
        if first.number <= MAX_SETS:
            return None  # "0x5", "2.5x5"
        # "100 x 5": more than anyone's sets, so a weight ("100x5x3": three sets of it).
        assert first.number is not None
        sets = 1
        if end == i + 3 and _kind_at(tokens, i + 3) is Kind.TIMES:
            more = _count(_at(tokens, i + 4), MAX_SETS)
            if more is not None:
                sets, end = more, i + 5
        return _Sets(i, end, sets, second, (first.number, None))
    if _kind_at(tokens, i + 1) is Kind.SETS:
        sets = _count(first, MAX_SETS)
        j = i + 2
        if _kind_at(tokens, j) is Kind.TIMES or (
            _kind_at(tokens, j) is Kind.WORD and tokens[j].text == "of"
        ):
            j += 1
        reps = _count(_at(tokens, j), MAX_REPS)
        if sets is None or reps is None:
            return None
        end = j + 1 + (_kind_at(tokens, j + 1) is Kind.REPS)
        return _Sets(i, end, sets, reps)
    return None


def _weight(tokens: Sequence[_Token], taken: range) -> tuple[Decimal, str | None] | None:
    """The first weight in the chunk outside the set pattern: one with a unit or an `@`
    first wins over a bare number; `bw` is weight 0."""
    bare: tuple[Decimal, str | None] | None = None
    for i, token in enumerate(tokens):
        if i in taken:
            continue
        if token.kind is Kind.BW:
            return (Decimal(0), None)
        if token.kind is not Kind.NUM:
            continue
        assert token.number is not None
        unit_token = _at(tokens, i + 1)
        if unit_token is not None and unit_token.kind is Kind.UNIT:
            return (token.number, unit_token.unit)
        if _kind_at(tokens, i - 1) is Kind.AT:
            return (token.number, None)
        if bare is None:
            bare = (token.number, None)
    return bare


def _exercise(chunk: Sequence[_Token], pattern: _Sets) -> str | None:
    """The first known exercise named in the chunk (longest alias first), else the words
    next to the sets as a free name: the run of words before them, or else the one after
    ("box jumps 3x10 by bob" is "box jump", "hard session 5x5 wall sits" "wall sit")."""
    # Punctuation between words is no gap ("step-ups"); a number, a unit or the sets are.
    runs: list[list[str]] = [[]]
    before = 0  # how many runs start before the sets
    for i, token in enumerate(chunk):
        if pattern.start <= i < pattern.end or token.kind not in (Kind.WORD, Kind.OTHER):
            if runs[-1]:
                runs.append([])
        elif token.kind is Kind.WORD:
            if not runs[-1] and i < pattern.start:
                before += 1
            runs[-1].append(token.text)
    runs = [run for run in runs if run]
    for run in runs:
        for i in range(len(run)):
            for size in range(min(_LONGEST_ALIAS, len(run) - i), 0, -1):
                found = ALIASES.get(tuple(run[i : i + size]))
                if found is not None:
                    return found
    nearest = runs[max(before - 1, 0) : before + 1]
    return next((name for run in nearest if (name := free_name(run)) is not None), None)


def free_name(words: Iterable[str]) -> str | None:
    """A name for an exercise the bot doesn't know: its words without filler; None when
    nothing or too much is left (then it is no exercise name but a sentence)."""
    kept = [_singular(w.lower()) for w in words if w.isalpha()]
    kept = [w for w in kept if w not in _FILLER and len(w) > 1]
    if not kept or len(kept) > MAX_FREE_WORDS:
        return None
    name = " ".join(kept)
    return name if len(name) <= MAX_NAME_CHARS else None


def _centi(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _lift(chunk: list[_Token], default_unit: str) -> Lift | None:
    pattern = next((p for i in range(len(chunk)) if (p := _sets_at(chunk, i)) is not None), None)
    if pattern is None:
        return None
    exercise = _exercise(chunk, pattern)
    if exercise is None:
        return None
    weight = pattern.weight or _weight(chunk, range(pattern.start, pattern.end))
    amount, unit = weight if weight is not None else (Decimal(0), None)
    unit = unit or default_unit
    centi = _centi(amount)
    if centi < 0 or kilograms(centi, unit) > MAX_KG:
        return None
    return Lift(exercise, pattern.sets, pattern.reps, centi, unit)


def parse_lifts(note: str | None, default_unit: str = "kg") -> list[Lift]:
    """The lifts written in `note`, in order; [] when there are none. Never raises."""
    if not note:
        return []
    unit = default_unit if default_unit in UNITS else "kg"
    found: list[Lift] = []
    for chunk in _chunks(_tokens(note[:MAX_NOTE_CHARS])):
        lift = _lift(chunk, unit)
        if lift is not None:
            found.append(lift)
            if len(found) == MAX_LIFTS:
                break
    return found


def exercise_name(text: str) -> str | None:
    """The stored name an exercise argument means ("RDLs" -> "romanian deadlift"); None
    when the text can't be an exercise name."""
    words = [t.text for t in _tokens(text[:MAX_NOTE_CHARS]) if t.kind is Kind.WORD]
    return ALIASES.get(tuple(words)) or free_name(words)


def known_exercises() -> list[str]:
    return list(_CANONICAL)


def _distance_within(a: str, b: str, limit: int) -> int | None:
    """The edit distance of `a` and `b` (a swap of two neighbouring letters is one edit)
    if it is at most `limit`, else None; gives up as soon as a whole row of the table is
    past the limit, so a far-off name costs a few rows."""
    if abs(len(a) - len(b)) > limit:
        return None
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return None
        before, previous = previous, current
    return previous[-1] if previous[-1] <= limit else None


def close_exercises(text: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """The names in `names` nearest to what `text` spells (a slip per four letters, or
    one word of it: "squat" finds "front squat"), nearest first."""
    wanted = " ".join(text.lower().split())[:MAX_NAME_CHARS]
    meant = exercise_name(text) or wanted
    scored: list[tuple[int, str]] = []
    for name in names:
        allowed = max(1, min(len(name), len(wanted)) // 4)
        distances = (_distance_within(t, name, allowed) for t in {meant, wanted})
        found = [d for d in distances if d is not None]
        if found:
            scored.append((min(found), name))
        elif meant and (meant in name.split() or name in meant.split()):
            scored.append((allowed + 1, name))
    return [name for _, name in sorted(scored)[:limit]]


_UNIT_WORDS = {
    **{word: "kg" for word in (*_KG_WORDS, "metric")},
    **{word: "lb" for word in (*_LB_WORDS, "#", "imperial")},
}


def parse_unit(text: str) -> str:
    """`kg` or `lb` (also "kilos", "lbs", "pounds", "metric", "imperial")."""
    word = text.strip().casefold()
    if word in _UNIT_WORDS:
        return _UNIT_WORDS[word]
    raise InputError("unit", f"{echo(text)} is not a weight unit", "`kg` or `lb`", "kg")


# ---- writing -------------------------------------------------------------------------


def display_name(exercise: str) -> str:
    """ "romanian deadlift" -> "Romanian deadlift"."""
    return exercise[:1].upper() + exercise[1:]


def format_amount(centi: int) -> str:
    """Hundredths as the shortest decimal: 10250 -> "102.5", 10000 -> "100"."""
    whole, part = divmod(centi, 100)
    if part == 0:
        return str(whole)
    return f"{whole}.{part:02d}".rstrip("0")


def format_set(lift: Lift) -> str:
    """ "Squat 5×5 @ 102.5 kg" ("Lunge 3×12" without a weight); reads back as the same."""
    text = f"{display_name(lift.exercise)} {lift.sets}×{lift.reps}"
    if lift.weighted:
        text += f" @ {format_amount(lift.weight_centi)} {lift.unit}"
    return text


def kilograms(centi: int, unit: str) -> float:
    value = Decimal(centi) / 100
    return float(value * KG_PER_LB if unit == "lb" else value)


def _half_up(value: float) -> int:
    # Rounded to a micro-unit first, so 262.49999999 (225 lb there and back) is 262.5.
    return int(Decimal(repr(round(value, 6))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def in_unit(kg: float, unit: str) -> str:
    """A weight in kg shown in `unit`, rounded the way plates go: 0.5 kg or 1 lb."""
    if unit == "lb":
        return f"{_half_up(kg / float(KG_PER_LB))} lb"
    halves = _half_up(kg * 2)
    return f"{halves // 2}{'.5' if halves % 2 else ''} kg"


def show_weight(lift: Lift, unit: str) -> str:
    """The set's weight as written when it is in `unit`, else converted and rounded."""
    if lift.unit == unit:
        return f"{format_amount(lift.weight_centi)} {unit}"
    return in_unit(lift.kg, unit)


# ---- records -------------------------------------------------------------------------


def epley(kg: float, reps: int) -> float:
    """Estimated one-rep max (Epley): w × (1 + reps/30); a single is itself."""
    return kg if reps == 1 else kg * (1 + reps / 30)


def e1rm(lift: Lift) -> float | None:
    """The set's estimated 1RM in kg; None for a bodyweight set or one of too many reps."""
    if not lift.weighted or lift.reps > E1RM_MAX_REPS:
        return None
    return epley(lift.kg, lift.reps)


@dataclass(frozen=True, slots=True)
class Bests:
    """A member's records in one exercise, in kg: heaviest per rep count, best e1RM."""

    heaviest: dict[int, float]
    e1rm: float | None = None


def bests_of(lifts: Iterable[Lift]) -> dict[str, Bests]:
    found: dict[str, Bests] = {}
    for lift in lifts:
        found[lift.exercise] = _better(found.get(lift.exercise), lift)
    return found


def _better(bests: Bests | None, lift: Lift) -> Bests:
    heaviest = dict(bests.heaviest) if bests else {}
    best_e1rm = bests.e1rm if bests else None
    if lift.weighted:
        heaviest[lift.reps] = max(heaviest.get(lift.reps, 0.0), lift.kg)
        estimate = e1rm(lift)
        if estimate is not None and (best_e1rm is None or estimate > best_e1rm):
            best_e1rm = estimate
    return Bests(heaviest, best_e1rm)


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A set that beat the member's records: the heaviest for its reps, a best e1RM, or both."""

    lift: Lift
    heaviest: bool
    e1rm: float | None  # the set's e1RM in kg, when it is a new best


def new_records(previous: dict[str, Bests], lifts: Sequence[Lift]) -> list[NewRecord]:
    """The sets of `lifts` that beat `previous` and the sets before them in the note, in
    note order: per exercise and rep count the heaviest, per exercise the best e1RM (so a
    note of two squat sets announces the better one once). Bodyweight sets set none."""
    running = dict(previous)
    heaviest: dict[tuple[str, int], int] = {}  # -> index of the set in `lifts`
    best: dict[str, tuple[int, float]] = {}
    for index, lift in enumerate(lifts):
        if not lift.weighted:
            continue
        before = running.get(lift.exercise)
        if before is None or lift.kg > before.heaviest.get(lift.reps, 0.0):
            heaviest[(lift.exercise, lift.reps)] = index
        estimate = e1rm(lift)
        if estimate is not None and (
            before is None or before.e1rm is None or estimate > before.e1rm
        ):
            best[lift.exercise] = (index, estimate)
        running[lift.exercise] = _better(before, lift)
    found: list[NewRecord] = []
    for index, lift in enumerate(lifts):
        is_heaviest = heaviest.get((lift.exercise, lift.reps)) == index
        top = best.get(lift.exercise)
        estimate = top[1] if top is not None and top[0] == index else None
        if is_heaviest or estimate is not None:
            found.append(NewRecord(lift, is_heaviest, estimate))
    return found


def record_line(record: NewRecord, unit: str) -> str:
    """ "Squat 5×5 @ 102.5 kg — heaviest for 5 reps; e1RM 119.5 kg (Epley)": the set as
    written, the e1RM in the member's `unit`."""
    lift = record.lift
    parts = []
    if record.heaviest:
        parts.append(f"heaviest for {lift.reps} rep{'s' if lift.reps != 1 else ''}")
    if record.e1rm is not None:
        parts.append(f"e1RM {in_unit(record.e1rm, unit)} (Epley)")
    return f"{format_set(lift)} — {'; '.join(parts)}"
