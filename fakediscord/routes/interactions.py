"""Interaction callbacks, followups and ``@original`` (the interaction webhook)."""

from __future__ import annotations

from typing import Any

from fakediscord import events, payloads
from fakediscord.checks import ApiError, PayloadReport, unknown_message
from fakediscord.emulator import Emulator
from fakediscord.interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    CB_AUTOCOMPLETE_RESULT,
    CB_CHANNEL_MESSAGE,
    CB_DEFERRED_CHANNEL_MESSAGE,
    CB_DEFERRED_UPDATE_MESSAGE,
    CB_MODAL,
    CB_PONG,
    CB_UPDATE_MESSAGE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    PING,
    InteractionRecord,
)
from fakediscord.messaging import apply_edit, check_uploads, create_message
from fakediscord.rest import NO_CONTENT, Ctx, RouteTable
from fakediscord.state import FLAG_EPHEMERAL, FLAG_LOADING, Message

table = RouteTable()

ALLOWED_CALLBACKS: dict[int, set[int]] = {
    PING: {CB_PONG},
    APPLICATION_COMMAND: {CB_CHANNEL_MESSAGE, CB_DEFERRED_CHANNEL_MESSAGE, CB_MODAL},
    MESSAGE_COMPONENT: {
        CB_CHANNEL_MESSAGE,
        CB_DEFERRED_CHANNEL_MESSAGE,
        CB_DEFERRED_UPDATE_MESSAGE,
        CB_UPDATE_MESSAGE,
        CB_MODAL,
    },
    APPLICATION_COMMAND_AUTOCOMPLETE: {CB_AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CB_CHANNEL_MESSAGE,
        CB_DEFERRED_CHANNEL_MESSAGE,
        CB_DEFERRED_UPDATE_MESSAGE,
        CB_UPDATE_MESSAGE,
    },
}


def _callback_response(emu: Emulator, record: InteractionRecord, cb_type: int) -> dict[str, Any]:
    msg = record.response_message
    interaction: dict[str, Any] = {
        "id": str(record.id),
        "type": record.type,
        "response_message_loading": bool(msg is not None and msg.loading),
        "response_message_ephemeral": bool(msg is not None and msg.ephemeral),
    }
    if msg is not None and cb_type in (CB_DEFERRED_CHANNEL_MESSAGE, CB_DEFERRED_UPDATE_MESSAGE):
        interaction["response_message_id"] = str(msg.id)
    if msg is None or cb_type not in (CB_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE):
        # Only a message sent or updated by this very callback is a resource; a deferral,
        # a modal or autocomplete choices create none (the spec's resource types: 4, 7, 12).
        return {"interaction": interaction}
    interaction["response_message_id"] = str(msg.id)
    resource = {"type": cb_type, "message": payloads.message(msg, emu.world)}
    return {"interaction": interaction, "resource": resource}


def _check_choices(data: dict[str, Any]) -> list[dict[str, Any]]:
    choices = data.get("choices") or []
    report = PayloadReport()
    if len(choices) > 25:
        report.add(
            ("data", "choices"),
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
            "autocomplete_invalid",
        )
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            report.add(
                ("data", "choices", str(i), "name"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
                "autocomplete_invalid",
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            report.add(
                ("data", "choices", str(i), "value"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 100 or fewer in length.",
                "autocomplete_invalid",
            )
    report.raise_if_any()
    return [dict(c) for c in choices]


@table.route(
    "POST", "/interactions/{webhook_id}/{webhook_token}/callback", auth=False, global_limit=False
)
async def callback(ctx: Ctx) -> Any:
    emu = ctx.emu
    world = emu.world
    unknown = ApiError(404, 10062, "Unknown interaction", violation="unknown_interaction")
    record = emu.interaction(ctx.int_param("webhook_id", unknown))
    if record is None or record.token != ctx.param("webhook_token"):
        raise unknown
    body = ctx.body()
    cb_type = int(body.get("type") or 0)
    data = body.get("data") or {}
    record.callbacks.append({"type": cb_type, "data": data, "time": emu.clock.now()})
    if record.acknowledged:
        raise ApiError(
            400,
            40060,
            "Interaction has already been acknowledged.",
            violation="interaction_already_acknowledged",
            detail=f"interaction {record.name or record.id} answered again (type {cb_type})",
        )
    if record.age > emu.interaction_deadline:
        raise ApiError(
            404,
            10062,
            "Unknown interaction",
            violation="interaction_timeout",
            detail=(
                f"interaction {record.name or record.id} answered after {record.age:.2f}s"
                f" (limit {emu.interaction_deadline}s)"
            ),
        )
    if cb_type not in ALLOWED_CALLBACKS.get(record.type, set()):
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors={
                "type": {
                    "_errors": [
                        {
                            "code": "INTERACTION_RESPONSE_TYPE_INVALID",
                            "message": "Invalid interaction response type",
                        }
                    ]
                }
            },
            violation="invalid_callback_type",
            detail=f"callback type {cb_type} not valid for interaction type {record.type}",
        )
    channel = record.channel
    if cb_type in (CB_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE):
        check_uploads(emu, channel, ctx.files)
    if cb_type == CB_CHANNEL_MESSAGE:
        msg = create_message(
            emu,
            channel,
            emu.bot,
            data,
            ctx.files,
            allow_ephemeral=True,
            message_type=20 if record.type == APPLICATION_COMMAND else 0,
            webhook_id=emu.application.id,
            interaction_id=record.id,
        )
        world.store_message(msg)
        record.response_message = msg
        record.response_type = cb_type
        events.message_create(emu, msg)
    elif cb_type == CB_DEFERRED_CHANNEL_MESSAGE:
        flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
        msg = Message(
            id=emu.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=emu.bot,
            flags=flags,
            type=20 if record.type == APPLICATION_COMMAND else 0,
            webhook_id=emu.application.id,
            application_id=emu.application.id,
            interaction_id=record.id,
        )
        world.store_message(msg)
        record.response_message = msg
        record.response_type = cb_type
        events.message_create(emu, msg)
    elif cb_type == CB_DEFERRED_UPDATE_MESSAGE:
        record.response_message = record.message
        record.response_type = cb_type
        record.mark_deferred_update()
    elif cb_type == CB_UPDATE_MESSAGE:
        source = record.message
        if source is None:
            raise ApiError(400, 50035, "Invalid Form Body", violation="invalid_callback_type")
        apply_edit(emu, source, data, ctx.files, clear_loading=False)
        record.response_message = source
        record.response_type = cb_type
        events.message_update(emu, source)
    elif cb_type == CB_AUTOCOMPLETE_RESULT:
        record.choices = _check_choices(data)
        record.response_type = cb_type
    elif cb_type == CB_MODAL:
        record.modal = dict(data)
        record.response_type = cb_type
    else:
        record.response_type = cb_type
    record.response_data = dict(data)
    emu.changed()
    if ctx.flag("with_response"):
        return _callback_response(emu, record, cb_type)
    return NO_CONTENT


def _webhook_record(ctx: Ctx) -> InteractionRecord:
    emu = ctx.emu
    unknown = ApiError(404, 10015, "Unknown Webhook", violation="unknown_webhook")
    if ctx.int_param("webhook_id", unknown) != emu.application.id:
        raise unknown
    record = emu.interaction_by_token(ctx.param("webhook_token"))
    if record is None:
        raise unknown
    if record.age > emu.token_lifetime:
        raise ApiError(
            401,
            50027,
            "Invalid Webhook Token",
            violation="interaction_token_expired",
            detail=(
                f"interaction {record.name or record.id} token used after {record.age:.0f}s"
                f" (limit {emu.token_lifetime:.0f}s)"
            ),
        )
    return record


def _target(ctx: Ctx, record: InteractionRecord) -> Message:
    raw = ctx.param("message_id")
    if raw == "@original":
        msg = record.original()
    else:
        try:
            wanted = int(raw)
        except ValueError:
            raise unknown_message() from None
        candidates = [m for m in (record.original(), *record.followups) if m is not None]
        msg = next((m for m in candidates if m.id == wanted), None)
    if msg is None or msg.deleted:
        raise unknown_message()
    return msg


@table.route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False, global_limit=False)
async def followup(ctx: Ctx) -> Any:
    emu = ctx.emu
    record = _webhook_record(ctx)
    if not record.acknowledged:
        raise ApiError(
            404,
            10015,
            "Unknown Webhook",
            violation="followup_before_ack",
            detail=f"followup to interaction {record.name or record.id} before it was answered",
        )
    payload = ctx.body()
    check_uploads(emu, record.channel, ctx.files)
    original = record.response_message
    if (
        record.response_type == CB_DEFERRED_CHANNEL_MESSAGE
        and original is not None
        and original.loading
    ):
        # the first followup after a deferred response replaces the "thinking" message
        apply_edit(emu, original, payload, ctx.files)
        msg = original
        events.message_update(emu, msg)
    else:
        msg = create_message(
            emu,
            record.channel,
            emu.bot,
            payload,
            ctx.files,
            allow_ephemeral=True,
            webhook_id=emu.application.id,
            interaction_id=record.id,
        )
        emu.world.store_message(msg)
        events.message_create(emu, msg)
    record.followups.append(msg)
    emu.changed()
    if ctx.flag("wait"):
        return payloads.message(msg, emu.world)
    return NO_CONTENT


@table.route(
    "GET",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_limit=False,
)
async def get_webhook_message(ctx: Ctx) -> Any:
    record = _webhook_record(ctx)
    return payloads.message(_target(ctx, record), ctx.emu.world)


@table.route(
    "PATCH",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_limit=False,
)
async def edit_webhook_message(ctx: Ctx) -> Any:
    emu = ctx.emu
    record = _webhook_record(ctx)
    msg = _target(ctx, record)
    check_uploads(emu, record.channel, ctx.files)
    apply_edit(emu, msg, ctx.body(), ctx.files)
    events.message_update(emu, msg)
    emu.changed()
    return payloads.message(msg, emu.world)


@table.route(
    "DELETE",
    "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    auth=False,
    global_limit=False,
)
async def delete_webhook_message(ctx: Ctx) -> Any:
    emu = ctx.emu
    record = _webhook_record(ctx)
    msg = _target(ctx, record)
    msg.deleted = True
    events.message_delete(emu, msg)
    emu.changed()
    return NO_CONTENT
