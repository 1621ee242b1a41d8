"""Creating and editing messages from Discord API payloads (mentions, files, flags)."""

from __future__ import annotations

import copy
import io
import itertools
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from fakediscord.checks import (
    UPLOAD_LIMIT,
    ApiError,
    check_message_payload,
    missing_permissions,
    unintended_pings,
)
from fakediscord.permissions import Permission
from fakediscord.state import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    Attachment,
    Channel,
    Message,
    User,
)

if TYPE_CHECKING:
    from fakediscord.emulator import Emulator

USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")
IS_COMPONENTS_V2 = 1 << 15
SETTABLE_FLAGS = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2


@dataclass
class UploadedFile:
    index: int
    filename: str
    data: bytes
    content_type: str | None


def resolve_mentions(
    emu: Emulator,
    channel: Channel,
    content: str,
    *,
    allowed: dict[str, Any] | None,
    reference: Message | None,
    enforce_allowed: bool,
) -> tuple[list[int], list[int], bool]:
    """Users, roles and @everyone actually mentioned (pinged) by ``content``."""
    world = emu.world
    guild = world.guild_of(channel)
    user_ids: list[int] = []
    for raw in USER_MENTION.findall(content):
        uid = int(raw)
        if uid in world.users and uid not in user_ids:
            user_ids.append(uid)
    role_ids: list[int] = []
    if guild is not None:
        for raw in ROLE_MENTION.findall(content):
            rid = int(raw)
            if rid in guild.roles and rid not in role_ids:
                role_ids.append(rid)
    everyone = "@everyone" in content or "@here" in content
    reply_ping = reference is not None
    if enforce_allowed and allowed is not None:
        parse = set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in allowed.get("users") or []}
        allowed_roles = {int(r) for r in allowed.get("roles") or []}
        user_ids = [u for u in user_ids if "users" in parse or u in allowed_users]
        role_ids = [r for r in role_ids if "roles" in parse or r in allowed_roles]
        everyone = everyone and "everyone" in parse
        reply_ping = reference is not None and bool(allowed.get("replied_user", False))
    if reply_ping and reference is not None and reference.author.id not in user_ids:
        user_ids.append(reference.author.id)
    return user_ids, role_ids, everyone


def check_uploads(emu: Emulator, channel: Channel, files: list[UploadedFile]) -> None:
    """Discord's rules for a message (or edit, or interaction reply) carrying files: each
    within the upload limit (413, code 40005), and ATTACH_FILES in the channel (403)."""
    if not files:
        return
    for upload in files:
        if len(upload.data) > UPLOAD_LIMIT:
            raise ApiError(
                413,
                40005,
                "Request entity too large",
                violation="file_too_large",
                detail=(
                    f"{upload.filename} is {len(upload.data)} bytes (limit {UPLOAD_LIMIT} bytes)"
                ),
            )
    if not emu.world.permissions_in(emu.bot, channel) & Permission.ATTACH_FILES:
        raise missing_permissions(f"bot lacks ATTACH_FILES in #{channel.name or channel.id}")


def content_type_of(filename: str, sent: str | None) -> str | None:
    """The type Discord gives an attachment: from the file name's extension (discord.py
    sends every file as application/octet-stream), else what the upload said."""
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    if guessed is not None:
        return guessed
    return sent or None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) when `data` is an image (its header is enough), else None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    return width, height


def build_attachments(
    emu: Emulator,
    channel: Channel,
    payload: dict[str, Any],
    files: list[UploadedFile],
    *,
    ephemeral: bool,
) -> list[Attachment]:
    meta: dict[int, dict[str, Any]] = {}
    for item in payload.get("attachments") or []:
        if isinstance(item, dict) and "id" in item:
            try:
                meta[int(item["id"])] = item
            except (TypeError, ValueError):
                continue
    attachments: list[Attachment] = []
    for upload in files:
        info = meta.get(upload.index, {})
        att_id = emu.ids.next()
        filename = str(info.get("filename") or upload.filename)
        size = image_size(upload.data)
        attachments.append(
            Attachment(
                id=att_id,
                filename=filename,
                data=upload.data,
                content_type=content_type_of(filename, upload.content_type),
                width=size[0] if size else None,
                height=size[1] if size else None,
                description=info.get("description"),
                ephemeral=ephemeral,
                url=f"{emu.base_url}/attachments/{channel.id}/{att_id}/{filename}",
            )
        )
    return attachments


def _reference(
    emu: Emulator, channel: Channel, payload: dict[str, Any]
) -> tuple[dict[str, Any] | None, Message | None]:
    ref = payload.get("message_reference")
    if not isinstance(ref, dict) or ref.get("message_id") is None:
        return None, None
    ref_type = int(ref.get("type") or 0)
    target = emu.world.messages.get(int(ref["message_id"]))
    ref_channel = int(ref.get("channel_id") or channel.id)
    valid = target is not None and not target.deleted and target.channel_id == ref_channel
    if ref_type == 0 and target is not None and target.channel_id != channel.id:
        valid = False
    if not valid:
        if ref.get("fail_if_not_exists", True):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    "message_reference": {
                        "_errors": [
                            {
                                "code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                "message": "Unknown message",
                            }
                        ]
                    }
                },
                violation="unknown_message_reference",
                detail=f"message_reference to unknown message {ref['message_id']}",
            )
        return None, None
    assert target is not None
    clean: dict[str, Any] = {
        "type": ref_type,
        "message_id": str(target.id),
        "channel_id": str(target.channel_id),
    }
    if target.guild_id is not None:
        clean["guild_id"] = str(target.guild_id)
    return clean, target


def create_message(
    emu: Emulator,
    channel: Channel,
    author: User,
    payload: dict[str, Any],
    files: list[UploadedFile],
    *,
    from_bot: bool = True,
    allow_ephemeral: bool = False,
    force_flags: int = 0,
    message_type: int = 0,
    webhook_id: int | None = None,
    interaction_id: int | None = None,
) -> Message:
    """Validate ``payload`` and build (but do not store or dispatch) a message."""
    check_message_payload(payload, files=len(files))
    flags = int(payload.get("flags") or 0)
    allowed_flags = SETTABLE_FLAGS | (FLAG_EPHEMERAL if allow_ephemeral else 0)
    flags = (flags & allowed_flags) | force_flags
    reference, target = _reference(emu, channel, payload)
    content = str(payload.get("content") or "")
    allowed = payload.get("allowed_mentions")
    users, roles, everyone = resolve_mentions(
        emu,
        channel,
        content,
        allowed=allowed if isinstance(allowed, dict) else None,
        reference=target if reference is not None and reference.get("type") == 0 else None,
        enforce_allowed=from_bot,
    )
    if reference is not None and reference.get("type") == 0 and message_type == 0:
        message_type = 19
    ephemeral = bool(flags & FLAG_EPHEMERAL)
    msg = Message(
        id=emu.ids.next(),
        channel_id=channel.id,
        guild_id=channel.guild_id,
        author=author,
        content=content,
        embeds=[dict(e) for e in payload.get("embeds") or []],
        components=numbered_components(payload.get("components")),
        attachments=build_attachments(emu, channel, payload, files, ephemeral=ephemeral),
        allowed_mentions=allowed if isinstance(allowed, dict) else None,
        nonce=payload.get("nonce"),
        flags=flags,
        type=message_type,
        tts=bool(payload.get("tts", False)),
        message_reference=reference,
        mention_ids=users,
        mention_role_ids=roles,
        mention_everyone=everyone,
        webhook_id=webhook_id,
        application_id=emu.application.id if webhook_id is not None else None,
        interaction_id=interaction_id,
        raw=dict(payload),
    )
    if from_bot:
        check_pings(emu, msg, target.author.id if msg.type == 19 and target is not None else None)
    return msg


def check_pings(emu: Emulator, msg: Message, reply_to: int | None) -> None:
    """Under ``emu.strict_mentions``, record an ``unintended_ping`` violation when the bot's
    message would ping someone it should not (the rule: :func:`checks.unintended_pings`)."""
    if not emu.strict_mentions:
        return
    own_post = msg.message_reference is None and msg.interaction_id is None
    found = unintended_pings(
        msg.content, msg.allowed_mentions, own_post=own_post, reply_to=reply_to
    )
    if found:
        where = f"message {msg.id} in channel {msg.channel_id}"
        emu.record_violation(
            "unintended_ping",
            f"{where} would ping {', '.join(found)}: {msg.content[:120]!r} "
            f"(allowed_mentions={msg.allowed_mentions!r})",
            "bot message",
        )


def numbered_components(raw: Any) -> list[dict[str, Any]]:
    """The components as Discord stores them: every one has a numeric `id`, the sender's
    own or the next free number, counted depth-first through the message from 1; an
    emoji without an id (a Unicode one) has no `id` key."""
    components = copy.deepcopy([c for c in raw or [] if isinstance(c, dict)])

    def walk(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            yield item
            children = item.get("components")
            if isinstance(children, list):
                yield from walk([c for c in children if isinstance(c, dict)])
            accessory = item.get("accessory")
            if isinstance(accessory, dict):
                yield accessory

    taken = {c["id"] for c in walk(components) if isinstance(c.get("id"), int)}
    free = (n for n in itertools.count(1) if n not in taken)
    for component in walk(components):
        if not isinstance(component.get("id"), int):
            component["id"] = next(free)
        emoji = component.get("emoji")
        if isinstance(emoji, dict) and emoji.get("id") is None:
            emoji.pop("id", None)  # a Unicode emoji comes back as its name alone
    return components


def apply_edit(
    emu: Emulator,
    msg: Message,
    payload: dict[str, Any],
    files: list[UploadedFile],
    *,
    clear_loading: bool = True,
) -> None:
    """Apply a PATCH payload to ``msg`` in place (validated first)."""
    check_message_payload(payload, files=len(files), is_edit=True)
    channel = emu.world.channels.get(msg.channel_id)
    if "content" in payload:
        msg.content = str(payload.get("content") or "")
    if "embeds" in payload:
        msg.embeds = [dict(e) for e in payload.get("embeds") or []]
    if "components" in payload:
        msg.components = numbered_components(payload.get("components"))
    if "allowed_mentions" in payload:
        allowed = payload.get("allowed_mentions")
        msg.allowed_mentions = allowed if isinstance(allowed, dict) else None
    if "flags" in payload and payload["flags"] is not None:
        new = int(payload["flags"]) & SETTABLE_FLAGS
        msg.flags = (msg.flags & ~SETTABLE_FLAGS) | new
    if "attachments" in payload or files:
        keep_ids: set[int] | None = None
        if "attachments" in payload:
            keep_ids = set()
            for item in payload.get("attachments") or []:
                try:
                    keep_ids.add(int(item["id"]))
                except (KeyError, TypeError, ValueError):
                    continue
        kept = [a for a in msg.attachments if keep_ids is None or a.id in keep_ids]
        if channel is not None and files:
            kept.extend(build_attachments(emu, channel, payload, files, ephemeral=msg.ephemeral))
        msg.attachments = kept
    if clear_loading:
        msg.flags &= ~FLAG_LOADING
    if channel is not None and msg.author.id == emu.bot.id:
        ref = None
        if msg.message_reference is not None and msg.type == 19:
            ref = emu.world.messages.get(int(msg.message_reference["message_id"]))
        users, roles, everyone = resolve_mentions(
            emu,
            channel,
            msg.content,
            allowed=msg.allowed_mentions,
            reference=ref,
            enforce_allowed=True,
        )
        msg.mention_ids, msg.mention_role_ids, msg.mention_everyone = users, roles, everyone
        check_pings(emu, msg, ref.author.id if ref is not None else None)
    msg.raw = {**msg.raw, **payload}
    msg.edited_at = emu.clock.now()
    msg.revision += 1
