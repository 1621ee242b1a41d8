"""Typed slash commands, checked the way Discord's own client checks them before sending.

`/legday top period:month` is read against the commands the bot registered: the
sub-command path, then `name:value` options (a value runs until the next option, so
`note:pistol squats 5x5` needs no quotes; `note:"…"` may be quoted). Anything the
Discord client would not let a member send is an `InputError` in the sandbox's words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.parsing import InputError

SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10

_OPTION = re.compile(r"([^\s:]+):(.*)", re.DOTALL)
_INTEGER = re.compile(r"[+-]?[0-9]{1,15}")
_NUMBER = re.compile(r"[+-]?[0-9]{1,15}(\.[0-9]{1,15})?")
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}

Lookup = Callable[[str], Any | None]


@dataclass(frozen=True, slots=True)
class Lookups:
    """Members, channels and roles of the server by the name a member types."""

    user: Lookup
    channel: Lookup
    role: Lookup


@dataclass(frozen=True, slots=True)
class SlashCommand:
    path: str  # "legday top"
    options: dict[str, Any]


def parse_slash(line: str, commands: Iterable[dict[str, Any]], lookups: Lookups) -> SlashCommand:
    """Read `/name sub … option:value …` against the registered command definitions."""
    words = line.strip().removeprefix("/").split()
    if not words:
        raise InputError("type a command after the /, e.g. /legday top")
    if ":" in words[0]:
        raise InputError("start with the command's name, e.g. /legday top period:month")
    by_name = {str(c.get("name")): c for c in commands}
    node = by_name.get(words[0].lower())
    if node is None:
        known = ", ".join(f"/{name}" for name in sorted(by_name)) or "none yet"
        raise InputError(f"there is no /{_show(words[0])}; the bot's commands: {known}")
    walked, rest = [str(node["name"])], words[1:]
    while (subs := _subcommands(node)) and rest and ":" not in rest[0]:
        match = subs.get(rest[0].lower())
        if match is None:
            raise InputError(
                f"/{' '.join(walked)} has no {_show(rest[0])!r}; pick one of: {', '.join(subs)}"
            )
        node = match
        walked.append(str(match["name"]))
        rest.pop(0)
    where = "/" + " ".join(walked)
    if subs:
        raise InputError(f"{where} needs one of: {', '.join(subs)} (e.g. /legday top)")
    definitions = {str(o["name"]): o for o in node.get("options") or []}
    raw = _split_options(rest, definitions, where)
    options = {name: _convert(definitions[name], value, where, lookups) for name, value in raw}
    for name, definition in definitions.items():
        if definition.get("required") and name not in options:
            raise InputError(f"{where} needs {name}:… ({_expects(definition)})")
    return SlashCommand(" ".join(walked), options)


def _subcommands(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(o["name"]): o
        for o in node.get("options") or []
        if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
    }


def _split_options(
    words: list[str], definitions: dict[str, dict[str, Any]], where: str
) -> list[tuple[str, str]]:
    """`a:1 b:two words` -> [("a", "1"), ("b", "two words")]; unknown names are errors."""
    found: list[tuple[str, str]] = []
    for word in words:
        match = _OPTION.fullmatch(word)
        name = match[1].lower() if match else ""
        if match and name in definitions:
            if any(seen == name for seen, _ in found):
                raise InputError(f"{where}: {name} is given twice")
            found.append((name, match[2]))
        elif found:  # part of the previous option's value: `note:pistol squats`
            found[-1] = (found[-1][0], f"{found[-1][1]} {word}")
        elif match:
            known = ", ".join(definitions) or "none"
            raise InputError(f"{where} has no option {_show(match[1])!r}; its options: {known}")
        elif not definitions:
            raise InputError(f"{where} takes nothing more; remove {_show(word)!r}")
        else:
            raise InputError(f"{where}: write options as name:value, e.g. {_example(definitions)}")
    return [(name, _unquote(name, value)) for name, value in found]


def _unquote(name: str, value: str) -> str:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise InputError(f'the quote after {name}: is not closed; end the value with "')
        return value[1:-1]
    return value


def _convert(definition: dict[str, Any], value: str, where: str, lookups: Lookups) -> Any:
    name, kind = str(definition["name"]), int(definition["type"])
    if not value.strip():
        raise InputError(f"{where}: {name}: is empty; expected {_expects(definition)}")
    value = value.strip()
    choices = definition.get("choices")
    if choices:
        for choice in choices:
            if value.lower() in (str(choice["value"]).lower(), str(choice["name"]).lower()):
                return choice["value"]
        raise InputError(
            f"{where}: {name} can't be {_show(value)!r}; expected {_expects(definition)}"
        )
    converted = _typed(kind, value, lookups)
    if converted is None:
        raise InputError(
            f"{where}: {name} can't be {_show(value)!r}; expected {_expects(definition)}"
        )
    low, high = definition.get("min_value"), definition.get("max_value")
    if kind in (INTEGER, NUMBER) and (
        (low is not None and converted < low) or (high is not None and converted > high)
    ):
        raise InputError(f"{where}: {name} must be {_expects(definition)}")
    return converted


def _typed(kind: int, value: str, lookups: Lookups) -> Any | None:
    """`value` as the option type wants it, or None when it isn't one."""
    if kind == STRING:
        return value
    if kind == INTEGER:
        return int(value) if _INTEGER.fullmatch(value) else None
    if kind == NUMBER:
        number = float(value) if _NUMBER.fullmatch(value) else math.nan
        return number if math.isfinite(number) else None
    if kind == BOOLEAN:
        lowered = value.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if kind == USER:
        return lookups.user(value)
    if kind == CHANNEL:
        return lookups.channel(value)
    if kind == ROLE:
        return lookups.role(value)
    if kind == MENTIONABLE:
        return lookups.user(value) or lookups.role(value)
    return None  # attachments: the terminal has no file picker


def _expects(definition: dict[str, Any]) -> str:
    kind = int(definition["type"])
    choices = definition.get("choices")
    if choices:
        return "one of " + ", ".join(str(c["value"]) for c in choices)
    if kind in (INTEGER, NUMBER):
        what = "a whole number" if kind == INTEGER else "a number"
        low, high = definition.get("min_value"), definition.get("max_value")
        if low is not None and high is not None:
            return f"{what} from {low} to {high}"
        return what
    return {
        BOOLEAN: "true or false",
        USER: "a member, e.g. @bob",
        CHANNEL: "a channel, e.g. #gym",
        ROLE: "a role, e.g. @lifters",
        MENTIONABLE: "a member or a role, e.g. @bob",
        STRING: "some text",
    }.get(kind, "a file, which the sandbox can't attach")


def _example(definitions: dict[str, dict[str, Any]]) -> str:
    name, definition = next(iter(definitions.items()))
    choices = definition.get("choices")
    return f"{name}:{choices[0]['value']}" if choices else f"{name}:…"


def _show(text: str, limit: int = 40) -> str:
    """A piece of what was typed, short enough for a one-line answer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
