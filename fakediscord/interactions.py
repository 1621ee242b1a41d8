"""Interaction records: what a user triggered and how the bot answered it."""
# ruff: noqa: ASYNC109  -- a `timeout=` parameter is the deliberate, documented scenario API

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from fakediscord import payloads
from fakediscord.checks import UPLOAD_LIMIT
from fakediscord.notifier import WAIT
from fakediscord.state import Channel, Guild, Message, User

if TYPE_CHECKING:
    from fakediscord.host import Host

JSON = dict[str, Any]

PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

CB_PONG = 1
CB_CHANNEL_MESSAGE = 4
CB_DEFERRED_CHANNEL_MESSAGE = 5
CB_DEFERRED_UPDATE_MESSAGE = 6
CB_UPDATE_MESSAGE = 7
CB_AUTOCOMPLETE_RESULT = 8
CB_MODAL = 9

ATTACHMENT_SIZE_LIMIT = UPLOAD_LIMIT


class InteractionRecord:
    """An interaction the emulator sent to the bot, plus everything the bot answered.

    ``await wait_response()`` gives the message the user would see; ``followups`` lists
    followup messages; ``callbacks`` has every callback attempt (including rejected ones).
    """

    def __init__(
        self,
        emu: Host,
        *,
        type: int,
        user: User,
        channel: Channel,
        data: JSON,
        message: Message | None = None,
        name: str = "",
    ) -> None:
        self.emu = emu
        self.id = emu.ids.next()
        self.token = "aW50ZXJhY3Rpb24." + secrets.token_urlsafe(48)
        self.type = type
        self.user = user
        self.channel = channel
        self.guild: Guild | None = emu.world.guild_of(channel)
        self.data = data
        self.message = message
        self.name = name
        self.created_at = emu.clock.now()
        self.response_type: int | None = None
        self.response_data: JSON | None = None
        self.response_message: Message | None = None
        self.followups: list[Message] = []
        self.choices: list[JSON] | None = None
        self.modal: JSON | None = None
        # For a MODAL_SUBMIT: the interaction whose reply was the modal.
        self.triggered_by: InteractionRecord | None = None
        self.callbacks: list[JSON] = []
        self._deferred_revision = 0
        self.payload: JSON = self._build_payload()

    # -- state -------------------------------------------------------------------------------

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def ephemeral(self) -> bool:
        return self.response_message is not None and self.response_message.ephemeral

    @property
    def age(self) -> float:
        return self.emu.clock.now() - self.created_at

    def original(self) -> Message | None:
        """The message ``@original`` refers to, if any."""
        return self.response_message

    def mark_deferred_update(self) -> None:
        if self.response_message is not None:
            self._deferred_revision = self.response_message.revision

    # -- waiting -----------------------------------------------------------------------------

    def _response_ready(self, resolved: bool) -> Message | bool | None:
        rtype = self.response_type
        if rtype is None:
            return None
        msg = self.response_message
        if rtype in (CB_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE):
            return msg
        if rtype == CB_DEFERRED_CHANNEL_MESSAGE:
            if msg is None:
                return None
            return msg if not resolved or not msg.loading else None
        if rtype == CB_DEFERRED_UPDATE_MESSAGE:
            if msg is None:
                return True
            if not resolved or msg.revision > self._deferred_revision:
                return msg
            return None
        return True

    async def wait_response(
        self, timeout: float = WAIT, *, resolved: bool = True
    ) -> Message | None:
        """Wait for the bot's answer and return the message the user sees.

        * type 4 / 7: the created / updated message (``.ephemeral`` tells if it was ephemeral)
        * type 5 (defer): with ``resolved`` (default) waits until the "thinking" message was
          edited or replaced by the first followup, then returns it
        * type 6 (deferred update): with ``resolved`` waits until the message was edited
        * type 8 / 9: returns ``None`` (see :attr:`choices` / :attr:`modal`)
        """
        result = await self.emu.notifier.wait_for(
            lambda: self._response_ready(resolved),
            timeout,
            f"a response to interaction {self.name or self.id}",
        )
        return result if isinstance(result, Message) else None

    async def wait_followup(self, index: int = 0, timeout: float = WAIT) -> Message:
        return await self.emu.notifier.wait_for(
            lambda: self.followups[index] if len(self.followups) > index else None,
            timeout,
            f"followup #{index} of interaction {self.name or self.id}",
        )

    async def wait_choices(self, timeout: float = WAIT) -> list[JSON]:
        return await self.emu.notifier.wait_for(
            lambda: self.choices,
            timeout,
            f"autocomplete choices for {self.name or self.id}",
        )

    # -- payloads ----------------------------------------------------------------------------

    def _owners(self) -> JSON:
        if self.guild is not None:
            return {"0": str(self.guild.id)}
        return {"1": str(self.user.id)}

    def metadata_payload(self, msg: Message | None) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "user": payloads.user(self.user),
            "authorizing_integration_owners": self._owners(),
        }
        if self.type == APPLICATION_COMMAND:
            data["name"] = self.name
            data["command_type"] = 1
        original = self.response_message
        if original is not None and msg is not original:
            data["original_response_message_id"] = str(original.id)
        if self.type == MESSAGE_COMPONENT and self.message is not None:
            data["interacted_message_id"] = str(self.message.id)
        if self.type == MODAL_SUBMIT and self.triggered_by is not None:
            data["triggering_interaction_metadata"] = self.triggered_by.metadata_payload(None)
        return data

    def legacy_payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "user": payloads.user(self.user),
        }
        if self.guild is not None:
            member = self.guild.members.get(self.user.id)
            if member is not None:
                data["member"] = payloads.member(member, with_user=False)
        return data

    def _build_payload(self) -> JSON:
        emu = self.emu
        world = emu.world
        channel = self.channel
        bot_perms = world.permissions_in(emu.bot, channel)
        user_perms = world.permissions_in(self.user, channel)
        data: JSON = {
            "id": str(self.id),
            "application_id": str(emu.application.id),
            "type": self.type,
            "token": self.token,
            "version": 1,
            "data": self.data,
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": self._owners(),
            "context": 0 if self.guild is not None else 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "app_permissions": str(bot_perms),
            "channel_id": str(channel.id),
            "channel": payloads.partial_channel_for_interaction(channel, user_perms, emu.bot),
        }
        if self.guild is not None:
            data["guild_id"] = str(self.guild.id)
            data["guild_locale"] = self.guild.preferred_locale
            data["guild"] = {
                "id": str(self.guild.id),
                "locale": self.guild.preferred_locale,
                "features": [],
            }
            member = self.guild.members[self.user.id]
            data["member"] = payloads.member(member, permissions=user_perms)
        else:
            data["user"] = payloads.user(self.user)
        if self.message is not None:
            data["message"] = payloads.message(self.message, world)
        return data

    def __repr__(self) -> str:
        return (
            f"<Interaction {self.name or self.id} type={self.type} user={self.user.name}"
            f" response={self.response_type} followups={len(self.followups)}>"
        )


def modal_submission(components: list[JSON], values: dict[str, Any]) -> list[JSON]:
    """Mirror a modal's component tree as Discord's MODAL_SUBMIT ``data.components``.

    ``values`` maps text input custom_ids to strings and select custom_ids to lists of values.
    Raises ``ValueError`` for unknown custom_ids, missing required inputs or bad lengths.
    """
    seen: set[str] = set()

    def leaf(item: JSON) -> JSON | None:
        custom_id = item.get("custom_id")
        ctype = item.get("type")
        if custom_id is None:
            return None
        seen.add(str(custom_id))
        if ctype == 4:
            value = str(values.get(custom_id, "") or "")
            if not value and item.get("required", True):
                raise ValueError(f"text input {custom_id!r} is required")
            if value and len(value) < int(item.get("min_length", 0)):
                raise ValueError(f"text input {custom_id!r} shorter than min_length")
            if len(value) > int(item.get("max_length", 4000)):
                raise ValueError(f"text input {custom_id!r} longer than max_length")
            return {"type": 4, "id": item.get("id", 0), "custom_id": custom_id, "value": value}
        chosen = values.get(custom_id, [])
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        return {"type": ctype, "id": item.get("id", 0), "custom_id": custom_id, "values": chosen}

    def walk(items: list[JSON]) -> list[JSON]:
        out: list[JSON] = []
        for item in items:
            ctype = item.get("type")
            if ctype == 1:
                out.append(
                    {
                        "type": 1,
                        "id": item.get("id", 0),
                        "components": walk(item.get("components") or []),
                    }
                )
            elif ctype == 18:
                inner = leaf(item.get("component") or {})
                if inner is not None:
                    out.append({"type": 18, "id": item.get("id", 0), "component": inner})
            else:
                entry = leaf(item)
                if entry is not None:
                    out.append(entry)
        return out

    result = walk(components)
    unknown = set(values) - seen
    if unknown:
        raise ValueError(f"modal has no inputs {sorted(unknown)} (has {sorted(seen)})")
    return result
