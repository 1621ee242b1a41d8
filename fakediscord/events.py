"""Gateway events built from state changes, with intent filtering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakediscord import intents as I
from fakediscord import payloads
from fakediscord.state import Channel, Guild, Member, Message, Role, User

if TYPE_CHECKING:
    from fakediscord.emulator import Emulator
    from fakediscord.gateway import GatewaySession
    from fakediscord.interactions import InteractionRecord

JSON = dict[str, Any]


def content_visible(emu: Emulator, session: GatewaySession | None, msg: Message) -> bool:
    """Discord's MESSAGE_CONTENT rules for what the bot may see of ``msg``.

    For a gateway ``session`` the identify intents decide; for REST (``session=None``) the
    application's privileged-intent setting does.
    """
    granted = (
        session.has_intent(I.MESSAGE_CONTENT)
        if session is not None
        else emu.application.message_content_allowed
    )
    if granted or msg.guild_id is None:
        return True
    bot_id = emu.bot.id
    if msg.author.id == bot_id or bot_id in msg.mention_ids:
        return True
    if msg.message_reference is not None:
        ref_id = msg.message_reference.get("message_id")
        ref = emu.world.messages.get(int(ref_id)) if ref_id is not None else None
        if ref is not None and ref.author.id == bot_id:
            return True
    return False


def _message_intent(msg: Message) -> int:
    return I.DIRECT_MESSAGES if msg.guild_id is None else I.GUILD_MESSAGES


def message_create(emu: Emulator, msg: Message) -> None:
    if msg.ephemeral:
        return

    def build(session: GatewaySession) -> JSON:
        blank = not content_visible(emu, session, msg)
        return payloads.message(msg, emu.world, blank_content=blank)

    emu.hub.dispatch("MESSAGE_CREATE", build, guild_id=msg.guild_id, intent=_message_intent(msg))


def message_update(emu: Emulator, msg: Message) -> None:
    if msg.ephemeral:
        return

    def build(session: GatewaySession) -> JSON:
        blank = not content_visible(emu, session, msg)
        return payloads.message(msg, emu.world, blank_content=blank)

    emu.hub.dispatch("MESSAGE_UPDATE", build, guild_id=msg.guild_id, intent=_message_intent(msg))


def message_delete(emu: Emulator, msg: Message) -> None:
    if msg.ephemeral:
        return
    data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
    emu.hub.dispatch(
        "MESSAGE_DELETE", lambda _s: data, guild_id=msg.guild_id, intent=_message_intent(msg)
    )


def reaction(emu: Emulator, msg: Message, user: User, emoji: str, *, added: bool) -> None:
    data: JSON = {
        "user_id": str(user.id),
        "channel_id": str(msg.channel_id),
        "message_id": str(msg.id),
        "emoji": payloads.emoji_payload(emoji),
        "burst": False,
        "type": 0,
    }
    intent = I.DIRECT_MESSAGE_REACTIONS
    if msg.guild_id is not None:
        data["guild_id"] = str(msg.guild_id)
        intent = I.GUILD_MESSAGE_REACTIONS
        guild = emu.world.guilds.get(msg.guild_id)
        member = guild.members.get(user.id) if guild is not None else None
        if added and member is not None:
            data["member"] = payloads.member(member)
    if added:
        data["message_author_id"] = str(msg.author.id)
    event = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
    emu.hub.dispatch(event, lambda _s: data, guild_id=msg.guild_id, intent=intent)


def typing_start(emu: Emulator, channel: Channel, user: User) -> None:
    data: JSON = {
        "channel_id": str(channel.id),
        "user_id": str(user.id),
        "timestamp": int(emu.clock.now()),
    }
    intent = I.DIRECT_MESSAGE_TYPING
    if channel.guild_id is not None:
        data["guild_id"] = str(channel.guild_id)
        intent = I.GUILD_MESSAGE_TYPING
        guild = emu.world.guilds.get(channel.guild_id)
        member = guild.members.get(user.id) if guild is not None else None
        if member is not None:
            data["member"] = payloads.member(member)
    emu.hub.dispatch("TYPING_START", lambda _s: data, guild_id=channel.guild_id, intent=intent)


def guild_create(emu: Emulator, guild: Guild) -> None:
    def build(session: GatewaySession) -> JSON:
        return payloads.guild_create(
            guild,
            bot=emu.bot,
            include_all_members=session.has_intent(I.GUILD_MEMBERS),
            newly_joined=True,
        )

    emu.hub.dispatch("GUILD_CREATE", build, guild_id=guild.id, intent=I.GUILDS)


def guild_delete(emu: Emulator, guild: Guild, *, unavailable: bool = False) -> None:
    data: JSON = {"id": str(guild.id)}
    if unavailable:
        data["unavailable"] = True
    emu.hub.dispatch("GUILD_DELETE", lambda _s: data, guild_id=guild.id, intent=I.GUILDS)


def guild_update(emu: Emulator, guild: Guild) -> None:
    emu.hub.dispatch(
        "GUILD_UPDATE",
        lambda _s: payloads.guild_base(guild),
        guild_id=guild.id,
        intent=I.GUILDS,
    )


def channel_event(emu: Emulator, event: str, channel: Channel) -> None:
    if channel.is_dm:
        return
    data = payloads.channel(channel)
    emu.hub.dispatch(event, lambda _s: data, guild_id=channel.guild_id, intent=I.GUILDS)


def role_event(emu: Emulator, event: str, role: Role) -> None:
    if event == "GUILD_ROLE_DELETE":
        data: JSON = {"guild_id": str(role.guild_id), "role_id": str(role.id)}
    else:
        data = {"guild_id": str(role.guild_id), "role": payloads.role(role)}
    emu.hub.dispatch(event, lambda _s: data, guild_id=role.guild_id, intent=I.GUILDS)


def member_add(emu: Emulator, member: Member) -> None:
    data = payloads.member(member)
    data["guild_id"] = str(member.guild_id)
    emu.hub.dispatch(
        "GUILD_MEMBER_ADD", lambda _s: data, guild_id=member.guild_id, intent=I.GUILD_MEMBERS
    )


def member_update(emu: Emulator, member: Member) -> None:
    data = payloads.member(member)
    data["guild_id"] = str(member.guild_id)
    # Discord always sends the bot's own member updates
    intent = None if member.user.id == emu.bot.id else I.GUILD_MEMBERS
    emu.hub.dispatch(
        "GUILD_MEMBER_UPDATE", lambda _s: data, guild_id=member.guild_id, intent=intent
    )


def member_remove(emu: Emulator, member: Member) -> None:
    data: JSON = {"guild_id": str(member.guild_id), "user": payloads.user(member.user)}
    emu.hub.dispatch(
        "GUILD_MEMBER_REMOVE", lambda _s: data, guild_id=member.guild_id, intent=I.GUILD_MEMBERS
    )


def interaction_create(emu: Emulator, record: InteractionRecord) -> None:
    data = record.payload
    guild_id = record.guild.id if record.guild is not None else None
    emu.hub.dispatch("INTERACTION_CREATE", lambda _s: data, guild_id=guild_id)
