"""Limits Discord enforces, the errors it answers with, and recorded violations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: a bot's upload limit per file outside boosted servers (the interaction payload's
#: attachment_size_limit says the same)
UPLOAD_LIMIT = 10 * 1024 * 1024

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FILES = 10
MAX_ALLOWED_MENTION_IDS = 100
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
IS_COMPONENTS_V2 = 1 << 15
EMBED_LIMITS: dict[str, int] = {
    "title": 256,
    "description": 4096,
    "footer.text": 2048,
    "author.name": 256,
    "field.name": 256,
    "field.value": 1024,
}
MAX_EMBED_FIELDS = 25


@dataclass(frozen=True)
class Violation:
    """Something the bot did that real Discord would reject or that breaks its rules."""

    kind: str
    detail: str
    route: str
    when: float
    status: int | None = None

    def __str__(self) -> str:
        return f"[{self.kind}] {self.route}: {self.detail}"


class ApiError(Exception):
    """An error answered with Discord's JSON error shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        violation: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        #: kind of violation to record, if this error means the bot broke a rule
        self.violation = violation
        self.detail = detail or message

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            data["errors"] = self.errors
        return data


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel", violation="unknown_channel")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message", violation="unknown_message")


def missing_access(detail: str) -> ApiError:
    return ApiError(403, 50001, "Missing Access", violation="missing_access", detail=detail)


def missing_permissions(detail: str) -> ApiError:
    return ApiError(
        403, 50013, "Missing Permissions", violation="missing_permissions", detail=detail
    )


@dataclass
class FieldError:
    path: tuple[str, ...]
    code: str
    message: str
    kind: str


@dataclass
class PayloadReport:
    errors: list[FieldError] = field(default_factory=list)

    def add(self, path: tuple[str, ...], code: str, message: str, kind: str) -> None:
        self.errors.append(FieldError(path, code, message, kind))

    def raise_if_any(self) -> None:
        if not self.errors:
            return
        tree: dict[str, Any] = {}
        for err in self.errors:
            node = tree
            for part in err.path:
                node = node.setdefault(part, {})
            node.setdefault("_errors", []).append({"code": err.code, "message": err.message})
        first = self.errors[0]
        detail = "; ".join(f"{'.'.join(e.path) or '<root>'}: {e.message}" for e in self.errors)
        raise ApiError(
            400, 50035, "Invalid Form Body", errors=tree, violation=first.kind, detail=detail
        )


def _too_long(
    report: PayloadReport, path: tuple[str, ...], value: Any, limit: int, kind: str
) -> int:
    if value is None:
        return 0
    text = str(value)
    if len(text) > limit:
        report.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.", kind)
    return len(text)


def check_embeds(report: PayloadReport, embeds: Any) -> None:
    if not isinstance(embeds, list):
        return
    if len(embeds) > MAX_EMBEDS:
        report.add(
            ("embeds",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_EMBEDS} or fewer in length.",
            "too_many_embeds",
        )
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        base = ("embeds", str(i))
        total += _too_long(report, (*base, "title"), embed.get("title"), 256, "embed_limit")
        total += _too_long(
            report, (*base, "description"), embed.get("description"), 4096, "embed_limit"
        )
        footer = embed.get("footer") or {}
        total += _too_long(
            report, (*base, "footer", "text"), footer.get("text"), 2048, "embed_limit"
        )
        author = embed.get("author") or {}
        total += _too_long(
            report, (*base, "author", "name"), author.get("name"), 256, "embed_limit"
        )
        fields = embed.get("fields") or []
        if len(fields) > MAX_EMBED_FIELDS:
            report.add(
                (*base, "fields"),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_EMBED_FIELDS} or fewer in length.",
                "embed_limit",
            )
        for j, fld in enumerate(fields):
            fpath = (*base, "fields", str(j))
            name, value = fld.get("name"), fld.get("value")
            if name in (None, ""):
                report.add(
                    (*fpath, "name"), "BASE_TYPE_REQUIRED", "This field is required", "embed_limit"
                )
            if value in (None, ""):
                report.add(
                    (*fpath, "value"), "BASE_TYPE_REQUIRED", "This field is required", "embed_limit"
                )
            total += _too_long(report, (*fpath, "name"), name, 256, "embed_limit")
            total += _too_long(report, (*fpath, "value"), value, 1024, "embed_limit")
    if total > MAX_EMBED_TOTAL:
        report.add(
            ("embeds",),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}",
            "embed_limit",
        )


def check_allowed_mentions(report: PayloadReport, allowed: Any) -> None:
    if not isinstance(allowed, dict):
        return
    parse = allowed.get("parse") or []
    for key in ("users", "roles"):
        ids = allowed.get(key)
        if ids is None:
            continue
        if len(ids) > MAX_ALLOWED_MENTION_IDS:
            report.add(
                ("allowed_mentions", key),
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {MAX_ALLOWED_MENTION_IDS} or fewer in length.",
                "allowed_mentions_too_many",
            )
        if ids and key in parse:
            report.add(
                ("allowed_mentions",),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
                "allowed_mentions_conflict",
            )


_ANY_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ANY_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def unintended_pings(
    content: str,
    allowed: dict[str, Any] | None,
    *,
    own_post: bool,
    reply_to: int | None = None,
) -> list[str]:
    """The pings a bot message would deliver that no bot should send unasked (the rule
    behind the ``unintended_ping`` violation of ``strict_mentions``).

    A ping is intended only when the message is one the bot posts of its own accord
    (``own_post``: not a reply, not an interaction's answer, i.e. a reminder) *and* its
    ``allowed_mentions`` names the target: the user's id in ``users``, the role's id in
    ``roles``, or ``"everyone"`` in ``parse`` for ``@everyone``/``@here`` (which have no
    id to name). Anything else the message would ping is unintended: any ping from a reply
    or an interaction answer (their content can carry what a member typed), anything
    reached through ``parse: ["users"|"roles"]`` (it pings whatever the text contains), any
    mention when ``allowed_mentions`` is missing (Discord then parses everything), and a
    reply's ``replied_user`` ping (``reply_to`` is the replied-to author's id).
    Mentions are read from the content only, as Discord reads them (embeds never ping).
    """
    parse = set((allowed or {}).get("parse") or []) if allowed is not None else None
    named_users = {str(u) for u in (allowed or {}).get("users") or []}
    named_roles = {str(r) for r in (allowed or {}).get("roles") or []}
    found: list[str] = []

    def pings(kind: str, named: bool) -> bool:
        return parse is None or kind in parse or named

    for uid in dict.fromkeys(_ANY_USER_MENTION.findall(content)):
        named = uid in named_users
        if pings("users", named) and not (own_post and named):
            found.append(f"user {uid}")
    for rid in dict.fromkeys(_ANY_ROLE_MENTION.findall(content)):
        named = rid in named_roles
        if pings("roles", named) and not (own_post and named):
            found.append(f"role {rid}")
    named_everyone = parse is not None and "everyone" in parse
    for word in ("@everyone", "@here"):
        if word in content and pings("everyone", False) and not (own_post and named_everyone):
            found.append(word)
    # Without allowed_mentions a reply pings its author, as on Discord.
    if reply_to is not None and (allowed is None or allowed.get("replied_user")):
        found.append(f"replied user {reply_to}")
    return found


def check_components(report: PayloadReport, components: Any, flags: int) -> None:
    if not isinstance(components, list):
        return
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2 and len(components) > MAX_ACTION_ROWS:
        report.add(
            ("components",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_ACTION_ROWS} or fewer in length.",
            "components_invalid",
        )
    seen: set[str] = set()

    def walk(items: list[Any], path: tuple[str, ...]) -> None:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            here = (*path, str(i))
            ctype = item.get("type")
            custom_id = item.get("custom_id")
            if custom_id is not None:
                if len(str(custom_id)) > 100:
                    report.add(
                        (*here, "custom_id"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 100 or fewer in length.",
                        "components_invalid",
                    )
                if custom_id in seen:
                    report.add(
                        (*here, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                        "components_invalid",
                    )
                seen.add(str(custom_id))
            if ctype == 1:
                children = item.get("components") or []
                buttons = [c for c in children if isinstance(c, dict) and c.get("type") == 2]
                if len(buttons) > MAX_ROW_BUTTONS or (
                    len(children) > 1 and len(buttons) < len(children)
                ):
                    report.add(
                        (*here, "components"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 5 or fewer in length.",
                        "components_invalid",
                    )
                if not children:
                    report.add(
                        (*here, "components"),
                        "BASE_TYPE_MIN_LENGTH",
                        "Must be 1 or more in length.",
                        "components_invalid",
                    )
            elif ctype == 2:
                style = item.get("style")
                label = item.get("label")
                if label is not None and len(str(label)) > 80:
                    report.add(
                        (*here, "label"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 80 or fewer in length.",
                        "components_invalid",
                    )
                if style == 5:
                    if not item.get("url") or custom_id is not None:
                        report.add(
                            here,
                            "BUTTON_COMPONENT_URL_REQUIRED",
                            "A link button needs a url and no custom_id",
                            "components_invalid",
                        )
                elif style != 6 and custom_id is None:
                    report.add(
                        here,
                        "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED",
                        "A custom id is required",
                        "components_invalid",
                    )
            elif ctype in (3, 5, 6, 7, 8):
                options = item.get("options") or []
                if len(options) > 25:
                    report.add(
                        (*here, "options"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 25 or fewer in length.",
                        "components_invalid",
                    )
            walk(item.get("components") or [], (*here, "components"))

    walk(components, ("components",))


def check_message_payload(
    payload: dict[str, Any], *, files: int, is_edit: bool = False, existing_attachments: int = 0
) -> None:
    """Raise :class:`ApiError` (400) if ``payload`` breaks one of Discord's message limits."""
    report = PayloadReport()
    content = payload.get("content")
    if content is not None:
        _too_long(report, ("content",), content, MAX_CONTENT, "content_too_long")
    check_embeds(report, payload.get("embeds"))
    check_allowed_mentions(report, payload.get("allowed_mentions"))
    flags = int(payload.get("flags") or 0)
    check_components(report, payload.get("components"), flags)
    if files > MAX_FILES:
        report.add(
            ("files",),
            "BASE_TYPE_MAX_LENGTH",
            f"Must be {MAX_FILES} or fewer in length.",
            "too_many_files",
        )
    report.raise_if_any()
    if not is_edit:
        has_body = bool(
            content
            or payload.get("embeds")
            or payload.get("components")
            or payload.get("sticker_ids")
            or payload.get("poll")
            or files
            or existing_attachments
        )
        if not has_body:
            raise ApiError(400, 50006, "Cannot send an empty message", violation="empty_message")
