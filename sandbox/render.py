"""Discord messages as plain terminal text: embeds as panels, buttons as numbered choices."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WIDTH = 72

_USER = re.compile(r"<@!?(\d+)>")
_ROLE = re.compile(r"<@&(\d+)>")
_CHANNEL = re.compile(r"<#(\d+)>")
_TIME = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Names:
    """How to show ids: a lookup for users, roles and channels."""

    user: Callable[[int], str]
    role: Callable[[int], str]
    channel: Callable[[int], str]
    now: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Button:
    number: int
    message_id: int
    custom_id: str
    label: str
    disabled: bool


def _relative(moment: datetime, now: datetime) -> str:
    seconds = int((moment - now).total_seconds())
    span = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if span >= size or size == 1:
            count = span // size
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


def inline(text: str, names: Names) -> str:
    """Replace mentions and timestamps with readable text; drop bold markers."""

    def stamp(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match[1]), UTC)
        if match[2] == "R":
            return _relative(moment, names.now())
        return moment.strftime("%a %d %b %Y %H:%M UTC")

    text = _USER.sub(lambda m: "@" + names.user(int(m[1])), text)
    text = _ROLE.sub(lambda m: "@" + names.role(int(m[1])), text)
    text = _CHANNEL.sub(lambda m: "#" + names.channel(int(m[1])), text)
    text = _TIME.sub(stamp, text)
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def _wrap(text: str, indent: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(raw, WIDTH - len(indent)) or [""])
    return [indent + line for line in lines]


def embed_lines(embed: dict[str, Any], names: Names) -> list[str]:
    out = []
    title = inline(embed.get("title") or "", names)
    out.append("  ╭─ " + title if title else "  ╭─")
    if embed.get("description"):
        out.extend(_wrap(inline(embed["description"], names), "  │ "))
    for field in embed.get("fields") or []:
        name = inline(field.get("name", ""), names)
        value = inline(field.get("value", ""), names)
        out.extend(_wrap(f"{name}: {value}", "  │ "))
    footer = (embed.get("footer") or {}).get("text")
    out.append("  ╰─ " + inline(footer, names) if footer else "  ╰─")
    return out


def buttons_of(message_id: int, components: list[dict[str, Any]], first: int) -> list[Button]:
    found: list[Button] = []
    for row in components:
        for component in row.get("components", []):
            if component.get("type") == 2 and component.get("custom_id"):
                label = " ".join(
                    part
                    for part in ((component.get("emoji") or {}).get("name"), component.get("label"))
                    if part
                )
                found.append(
                    Button(
                        first + len(found),
                        message_id,
                        component["custom_id"],
                        label,
                        bool(component.get("disabled")),
                    )
                )
    return found


def message_lines(
    author: str,
    where: str,
    content: str,
    embeds: list[dict[str, Any]],
    buttons: list[Button],
    attachments: list[str],
    names: Names,
    *,
    note: str = "",
) -> list[str]:
    header = f"{author} · {where}" + (f" ({note})" if note else "")
    out = [header]
    if content:
        out.extend(_wrap(inline(content, names), "  "))
    for embed in embeds:
        out.extend(embed_lines(embed, names))
    out.extend(f"  📎 {name}" for name in attachments)
    if buttons:
        choices = [
            f"[{b.number}] {b.label}" + (" (disabled)" if b.disabled else "") for b in buttons
        ]
        out.append("  " + "   ".join(choices))
    return out
