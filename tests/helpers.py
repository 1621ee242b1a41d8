"""Spec'd fakes of discord.py objects, in the spirit of python-discord/bot's tests/helpers.py.

Every fake is a `unittest.mock` object with `spec_set` of the real class (or of a real
instance, where the class keeps its attributes in `__dict__`), so a typo or an attribute
discord.py does not have fails loudly instead of returning another mock.

`MockContext` records everything the bot sends through it (`send`, `reply`, `defer` and the
author's DMs) as `Sent` entries in `ctx.sent`, with the ephemeral flag, embeds, views and
files kept as the real discord.py objects the command built.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from unittest import mock

import discord
from discord.ext import commands

_ids = itertools.count(1_000_000_000_000_000_000)


def next_id() -> int:
    """A fresh snowflake-sized id."""
    return next(_ids)


@dataclass
class Clock:
    """A controllable `LegDayBot(clock=...)`."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sent:
    """One thing the bot sent: through `ctx.send`, `ctx.reply`, a DM, or a `defer`."""

    method: str
    content: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def ephemeral(self) -> bool:
        return bool(self.kwargs.get("ephemeral", False))

    @property
    def embed(self) -> discord.Embed | None:
        return self.kwargs.get("embed")

    @property
    def view(self) -> discord.ui.View | None:
        return self.kwargs.get("view")

    @property
    def file(self) -> discord.File | None:
        return self.kwargs.get("file")

    @property
    def text(self) -> str:
        """Content plus embed title, description and fields: everything a reader sees."""
        parts = [self.content or ""]
        if self.embed is not None:
            embed = self.embed
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name}: {f.value}" for f in embed.fields]
            parts.append(embed.footer.text or "")
        return "\n".join(p for p in parts if p)


def _spec_instance(cls: type, **kwargs: Any) -> Any:
    """A real instance to spec from, for classes whose attributes live in `__dict__`."""
    return cls(**kwargs)


# discord.py's Context sets its attributes in __init__, so spec from an instance.
_CONTEXT_SPEC = _spec_instance(
    commands.Context, message=mock.MagicMock(), bot=mock.MagicMock(), view=mock.MagicMock()
)


class _Recorder:
    def __init__(self, log: list[Sent], method: str, result: Any = None) -> None:
        self.log = log
        self.method = method
        self.result = result

    def __call__(self, content: str | None = None, **kwargs: Any) -> Any:
        self.log.append(Sent(self.method, content, kwargs))
        return self.result


def MockGuild(*, id: int | None = None, name: str = "Leg Club", **kwargs: Any) -> mock.MagicMock:
    guild = mock.MagicMock(spec_set=discord.Guild, **kwargs)
    guild.id = next_id() if id is None else id
    guild.name = name
    guild.__str__.return_value = name
    return guild


def MockUser(*, id: int | None = None, name: str = "lifter", **kwargs: Any) -> mock.MagicMock:
    user = mock.MagicMock(spec_set=discord.User, **kwargs)
    user.id = next_id() if id is None else id
    user.name = name
    user.mention = f"<@{user.id}>"
    user.bot = False
    user.send = mock.AsyncMock()
    return user


def MockMember(
    *,
    id: int | None = None,
    name: str = "lifter",
    guild: Any = None,
    manage_guild: bool = False,
    **kwargs: Any,
) -> mock.MagicMock:
    member = mock.MagicMock(spec_set=discord.Member, **kwargs)
    member.id = next_id() if id is None else id
    member.name = name
    member.mention = f"<@{member.id}>"
    member.bot = False
    member.guild = guild
    member.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    member.send = mock.AsyncMock()
    return member


def MockTextChannel(*, id: int | None = None, guild: Any = None) -> mock.MagicMock:
    channel = mock.MagicMock(spec_set=discord.TextChannel)
    channel.id = next_id() if id is None else id
    channel.guild = guild
    channel.send = mock.AsyncMock()
    return channel


def MockMessage(
    *, content: str = "", author: Any = None, guild: Any = None, channel: Any = None
) -> mock.MagicMock:
    message = mock.MagicMock(spec_set=discord.Message)
    message.id = next_id()
    message.content = content
    message.author = author
    message.guild = guild
    message.channel = channel
    return message


def MockInteraction(
    *, user: Any = None, guild: Any = None, channel: Any = None, client: Any = None
) -> mock.MagicMock:
    interaction = mock.MagicMock(spec_set=discord.Interaction)
    interaction.id = next_id()
    interaction.user = user
    interaction.guild = guild
    interaction.guild_id = None if guild is None else guild.id
    interaction.channel = channel
    interaction.channel_id = None if channel is None else channel.id
    interaction.client = client
    response = mock.MagicMock(spec_set=discord.InteractionResponse)
    for name in ("send_message", "edit_message", "defer"):
        setattr(response, name, mock.AsyncMock())
    response.is_done.return_value = False
    interaction.response = response
    followup = mock.MagicMock(spec_set=discord.Webhook)
    followup.send = mock.AsyncMock()
    interaction.followup = followup
    return interaction


_UNSET: Any = object()


class MockContext(mock.MagicMock):
    """A `commands.Context` for a prefix (`slash=False`) or slash (`slash=True`) invocation.

    `ctx.sent` lists what was sent, in order; `ctx.author.send` (a DM) records there too.
    """

    def __init__(
        self,
        *,
        bot: Any = None,
        guild: Any = _UNSET,
        author: Any = None,
        channel: Any = None,
        slash: bool = False,
        content: str = "",
        command: Any = None,
        manage_guild: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(spec_set=_CONTEXT_SPEC, **kwargs)
        self.__dict__["sent"] = []
        guild = MockGuild() if guild is _UNSET else guild
        if author is None:
            author = (
                MockUser() if guild is None else MockMember(guild=guild, manage_guild=manage_guild)
            )
        channel = MockTextChannel(guild=guild) if channel is None else channel
        message = MockMessage(content=content, author=author, guild=guild, channel=channel)

        self.bot = bot
        self.guild = guild
        self.author = author
        self.channel = channel
        self.message = message
        self.command = command
        self.prefix = "!"
        self.clean_prefix = "!"
        self.current_parameter = None
        self.current_argument = None
        self.interaction = (
            MockInteraction(user=author, guild=guild, channel=channel, client=bot)
            if slash
            else None
        )
        if self.interaction is not None:
            # discord.py parks the hybrid command's Context on the interaction; hybrid
            # `can_run` reads it back from there.
            self.interaction._baton = self
        reply_message = MockMessage(author=None, guild=guild, channel=channel)
        self.send = mock.AsyncMock(side_effect=_Recorder(self.sent, "send", reply_message))
        self.reply = mock.AsyncMock(side_effect=_Recorder(self.sent, "reply", reply_message))
        self.defer = mock.AsyncMock(side_effect=self._record_defer)
        author.send = mock.AsyncMock(side_effect=_Recorder(self.sent, "dm", reply_message))

    def _record_defer(self, *, ephemeral: bool = False) -> None:
        self.sent.append(Sent("defer", None, {"ephemeral": ephemeral}))

    @property
    def answers(self) -> list[Sent]:
        """What the member sees: everything but `defer`."""
        return [s for s in self.sent if s.method != "defer"]

    @property
    def last(self) -> Sent:
        answers = self.answers
        assert answers, "nothing was sent"
        return answers[-1]
