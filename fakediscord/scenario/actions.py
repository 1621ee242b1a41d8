"""What members of the emulated servers do."""
# ruff: noqa: ASYNC109  -- a `timeout=` parameter is the deliberate, documented scenario API

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Mapping
from typing import Any

from fakediscord import events
from fakediscord.commands import build_command_data
from fakediscord.interactions import (
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    modal_submission,
)
from fakediscord.messaging import resolve_mentions
from fakediscord.notifier import WAIT
from fakediscord.permissions import (
    Permission,
)
from fakediscord.scenario.base import (
    ScenarioError,
)
from fakediscord.scenario.observing import Observation
from fakediscord.state import (
    Attachment,
    Channel,
    Member,
    Message,
    User,
)


class MemberActions(Observation):
    """What members do: say, edit, react, type, run slash commands, click, submit modals."""

    # -- user actions ------------------------------------------------------------------------

    async def say(
        self,
        author: User | Member,
        channel: Channel,
        content: str = "",
        *,
        embeds: list[dict[str, Any]] | None = None,
        reply_to: Message | None = None,
        attachments: Mapping[str, bytes] | None = None,
        force: bool = False,
    ) -> Message:
        """``author`` posts a message in ``channel`` (dispatched as MESSAGE_CREATE).

        ``<@id>``/``<@&id>``/``@everyone`` in ``content`` become mentions; ``reply_to`` makes
        it a reply (which also pings the replied-to author). Raises :class:`ScenarioError` if
        the user could not post there, unless ``force``.
        """
        emu = self.emulator
        user = self._author(author)
        if not force:
            self._check_user_can(user, channel, Permission.VIEW_CHANNEL, Permission.SEND_MESSAGES)
        reference: dict[str, Any] | None = None
        if reply_to is not None:
            reference = {
                "type": 0,
                "message_id": str(reply_to.id),
                "channel_id": str(reply_to.channel_id),
            }
            if reply_to.guild_id is not None:
                reference["guild_id"] = str(reply_to.guild_id)
        users, roles, everyone = resolve_mentions(
            emu, channel, content, allowed=None, reference=reply_to, enforce_allowed=False
        )
        files = []
        for filename, data in (attachments or {}).items():
            att_id = emu.ids.next()
            files.append(
                Attachment(
                    id=att_id,
                    filename=filename,
                    data=data,
                    content_type=mimetypes.guess_type(filename)[0],
                    url=f"{emu.base_url}/attachments/{channel.id}/{att_id}/{filename}",
                )
            )
        msg = Message(
            id=emu.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=user,
            content=content,
            embeds=list(embeds or []),
            attachments=files,
            type=19 if reply_to is not None else 0,
            message_reference=reference,
            mention_ids=users,
            mention_role_ids=roles,
            mention_everyone=everyone,
            nonce=str(emu.ids.next()),
        )
        emu.world.store_message(msg)
        self._consumed.add(msg.id)
        events.message_create(emu, msg)
        emu.changed()
        await asyncio.sleep(0)
        return msg

    async def edit(self, message: Message, content: str) -> Message:
        """A user edits their own message (MESSAGE_UPDATE)."""
        message.content = content
        message.edited_at = self.clock.now()
        message.revision += 1
        events.message_update(self.emulator, message)
        self.emulator.changed()
        await asyncio.sleep(0)
        return message

    async def delete(self, message: Message) -> None:
        message.deleted = True
        events.message_delete(self.emulator, message)
        self.emulator.changed()
        await asyncio.sleep(0)

    async def react(self, user: User | Member, message: Message, emoji: str) -> None:
        """``user`` adds a reaction (``"💪"`` or ``"name:id"``)."""
        who = self._author(user)
        users = message.reactions.setdefault(emoji, [])
        if who.id not in users:
            users.append(who.id)
            events.reaction(self.emulator, message, who, emoji, added=True)
            self.emulator.changed()
        await asyncio.sleep(0)

    async def type_in(self, user: User | Member, channel: Channel) -> None:
        events.typing_start(self.emulator, channel, self._author(user))
        await asyncio.sleep(0)

    def _register(self, record: InteractionRecord) -> InteractionRecord:
        world = self.state
        world.interactions[record.id] = record
        world.interaction_tokens[record.token] = record
        events.interaction_create(self.emulator, record)
        self.emulator.changed()
        return record

    async def slash(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """``user`` runs a synced slash command, e.g. ``"legday top"`` with
        ``{"period": "week"}``. Sub-command groups are walked by name; user/channel/role
        options accept state objects or ids. Raises :class:`CommandError` if not synced."""
        who = self._author(user)
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        _cmd, data = build_command_data(
            self.emulator,
            who,
            channel,
            command,
            dict(options or {}),
            check_permissions=check_permissions,
        )
        record = InteractionRecord(
            self.emulator,
            type=APPLICATION_COMMAND,
            user=who,
            channel=channel,
            data=data,
            name=command.strip().lstrip("/"),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    async def autocomplete(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        option: str,
        value: str,
        *,
        options: Mapping[str, Any] | None = None,
        timeout: float = WAIT,
    ) -> list[dict[str, Any]]:
        """Type ``value`` into ``option`` of ``command``; returns the bot's choices."""
        record = await self.autocomplete_interaction(
            user, channel, command, option, value, options=options
        )
        return await record.wait_choices(timeout)

    async def autocomplete_interaction(
        self,
        user: User | Member,
        channel: Channel,
        command: str,
        option: str,
        value: str,
        *,
        options: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        who = self._author(user)
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        _cmd, data = build_command_data(
            self.emulator,
            who,
            channel,
            command,
            dict(options or {}),
            focused=(option, value),
        )
        record = InteractionRecord(
            self.emulator,
            type=APPLICATION_COMMAND_AUTOCOMPLETE,
            user=who,
            channel=channel,
            data=data,
            name=command.strip().lstrip("/"),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    def _component(
        self, message: Message, custom_id: str, types: tuple[int, ...]
    ) -> dict[str, Any]:
        if message.deleted:
            raise ScenarioError(f"{message!r} was deleted")
        component = message.find_component(custom_id)
        if component is None:
            raise ScenarioError(
                f"{message!r} has no component {custom_id!r} (has: {message.custom_ids()})"
            )
        if component.get("type") not in types:
            raise ScenarioError(f"component {custom_id!r} has type {component.get('type')}")
        if component.get("disabled"):
            raise ScenarioError(f"component {custom_id!r} is disabled")
        return component

    async def _component_interaction(
        self, user: User | Member, message: Message, data: dict[str, Any]
    ) -> InteractionRecord:
        who = self._author(user)
        channel = self.state.channels.get(message.channel_id)
        if channel is None:
            raise ScenarioError(f"channel of {message!r} is unknown")
        if message.ephemeral and not any(
            r.user is who and (r.response_message is message or message in r.followups)
            for r in self.emulator.all_interactions()
        ):
            raise ScenarioError(f"{who!r} cannot see ephemeral {message!r}")
        self._check_user_can(who, channel, Permission.VIEW_CHANNEL)
        record = InteractionRecord(
            self.emulator,
            type=MESSAGE_COMPONENT,
            user=who,
            channel=channel,
            data=data,
            message=message,
            name=str(data.get("custom_id")),
        )
        self._register(record)
        await asyncio.sleep(0)
        return record

    async def click(
        self, user: User | Member, message: Message, custom_id: str
    ) -> InteractionRecord:
        """``user`` clicks the button ``custom_id`` on ``message``."""
        self._component(message, custom_id, (2,))
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._component_interaction(user, message, data)

    async def select(
        self, user: User | Member, message: Message, custom_id: str, values: list[str]
    ) -> InteractionRecord:
        """``user`` picks ``values`` in the string select ``custom_id`` on ``message``."""
        component = self._component(message, custom_id, (3,))
        known = [o.get("value") for o in component.get("options") or []]
        for value in values:
            if value not in known:
                raise ScenarioError(f"select {custom_id!r} has no option {value!r} (has {known})")
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        return await self._component_interaction(user, message, data)

    async def submit_modal(
        self,
        user: User | Member,
        interaction: InteractionRecord,
        values: Mapping[str, str | list[str]],
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot answered ``interaction`` with (callback 9).

        ``values`` maps text input custom_ids to text (select custom_ids to value lists).
        """
        who = self._author(user)
        modal = interaction.modal
        if modal is None:
            raise ScenarioError(f"{interaction!r} was not answered with a modal")
        if who is not interaction.user:
            raise ScenarioError(f"the modal was shown to {interaction.user!r}, not {who!r}")
        try:
            components = modal_submission(list(modal.get("components") or []), dict(values))
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None
        record = InteractionRecord(
            self.emulator,
            type=MODAL_SUBMIT,
            user=who,
            channel=interaction.channel,
            data={"custom_id": modal.get("custom_id"), "components": components},
            message=interaction.message,
            name=str(modal.get("custom_id")),
        )
        record.triggered_by = interaction
        self._register(record)
        await asyncio.sleep(0)
        return record

    def interactions(self) -> list[InteractionRecord]:
        return self.emulator.all_interactions()
