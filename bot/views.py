"""Buttons that keep working after a restart.

Each is a `DynamicItem`: its state lives in its `custom_id`, so the bot needs no memory
of the message it belongs to (what a persistent view would otherwise have to rebuild).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot import picture_replies, replies
from bot.core.days import Period
from bot.core.parsing import clean_note
from bot.core.suggest import held_note
from bot.usecases import privacy
from bot.usecases.checkins import check_in
from bot.usecases.leaderboards import leaderboard_page
from bot.usecases.services import Services


class _HasServices(Protocol):
    services: Services


def _services(interaction: discord.Interaction[Any]) -> Services:
    return cast(_HasServices, interaction.client).services


CHECKIN_PREFIX = "legday:checkin"
# A reminder's button also carries the message's occurrence marker (its nonce), so the bot
# can recognise its own post in the channel after a crash; old buttons have none. The
# weekly posts (goal, recap, streak call) carry theirs too: `ld…` for a reminder, `lw…`.
_CHECKIN_ID = re.compile(r"legday:checkin(?::(?P<marker>l[dw][0-9a-f]{23}))?")


def checkin_custom_id(marker: str | None = None) -> str:
    return CHECKIN_PREFIX if marker is None else f"{CHECKIN_PREFIX}:{marker}"


def checkin_marker(custom_id: str) -> str | None:
    """The occurrence marker in a check-in button's custom_id (None: not one, or none)."""
    match = _CHECKIN_ID.fullmatch(custom_id)
    return match["marker"] if match else None


class CheckinButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_CHECKIN_ID.pattern):
    """ "I trained legs": checks the clicker in with the same rules as `!legday`."""

    def __init__(self, marker: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label="I trained legs",
                emoji="🦵",
                style=discord.ButtonStyle.success,
                custom_id=checkin_custom_id(marker),
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CheckinButton:
        return cls(match["marker"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        services = _services(interaction)
        if interaction.guild_id is None:
            await interaction.response.send_message(
                "This button works in a server.", ephemeral=True
            )
            return
        outcome = await check_in(
            services,
            interaction.guild_id,
            interaction.user.id,
            source="button",
            channel_id=interaction.channel_id,
        )
        quote = await services.quotes.pick(interaction.guild_id, interaction.channel_id or 0)
        embed = replies.checkin_reply(outcome, interaction.user.mention, quote)
        await interaction.response.send_message(embed=embed, ephemeral=True)


class LeaderboardPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"legday:top:(?P<period>[a-z]+):(?P<page>\d+):(?P<label>prev|next)(?P<image>:i)?",
):
    """Previous/Next on a leaderboard; the page to show, and whether the board is a
    picture, are in the custom_id."""

    def __init__(
        self, period: Period, page: int, label: str, *, disabled: bool = False, image: bool = False
    ) -> None:
        self.period = period
        self.page = page
        self.image = image
        super().__init__(
            discord.ui.Button(
                label="Previous" if label == "prev" else "Next",
                emoji="◀️" if label == "prev" else "▶️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"legday:top:{period.value}:{page}:{label}" + (":i" if image else ""),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> LeaderboardPageButton:
        try:
            period = Period(match["period"])
        except ValueError:
            period = Period.WEEK
        return cls(period, int(match["page"]), match["label"], image=match["image"] is not None)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.guild_id is None:
            return
        # A picture board turns to text where the bot may no longer attach files.
        image = self.image and interaction.app_permissions.attach_files
        board = await leaderboard_page(
            _services(interaction),
            interaction.guild_id,
            self.period,
            self.page,
            interaction.user.id,
            with_streaks=image,
        )
        view = leaderboard_view(
            board.period, board.page.number, board.page.total_pages, image=image
        )
        if image and interaction.guild is not None:
            # Drawing can take longer than Discord's 3 seconds to answer a click.
            await interaction.response.defer()
            file = await picture_replies.board_file(
                cast(picture_replies.Painter, interaction.client), interaction.guild, board
            )
            await interaction.edit_original_response(
                embed=picture_replies.board_embed(board), attachments=[file], view=view
            )
            return
        await interaction.response.edit_message(
            embed=replies.leaderboard_reply(board), attachments=[], view=view
        )


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"legday:forget:(?P<user_id>\d+):(?P<answer>yes|no)",
):
    """Confirm or cancel `forget`; only the member who asked may answer."""

    def __init__(self, user_id: int, answer: str) -> None:
        self.user_id = user_id
        self.answer = answer
        super().__init__(
            discord.ui.Button(
                label="Delete my data" if answer == "yes" else "Cancel",
                style=discord.ButtonStyle.danger
                if answer == "yes"
                else discord.ButtonStyle.secondary,
                custom_id=f"legday:forget:{user_id}:{answer}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(int(match["user_id"]), match["answer"])

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.user_id:
            return True
        await interaction.response.send_message(
            "Only the member who asked can answer this.", ephemeral=True
        )
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if self.answer != "yes" or interaction.guild_id is None:
            await interaction.response.edit_message(
                content="Cancelled: nothing was deleted.", view=None
            )
            return
        removed = await privacy.forget(_services(interaction), interaction.guild_id, self.user_id)
        await interaction.response.edit_message(
            content=f"Done: deleted your settings and {replies.plural(removed, 'check-in')} "
            "in this server.",
            view=None,
        )


class HeldNoteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"legday:note:(?P<user_id>\d+)",
):
    """ "Log it as a note": checks in with a note that looked like a mistyped command.

    The note is read back from the message the button is on, which quotes it.
    """

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__(
            discord.ui.Button(
                label="Log it as a note",
                emoji="📝",
                style=discord.ButtonStyle.secondary,
                custom_id=f"legday:note:{user_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HeldNoteButton:
        return cls(int(match["user_id"]))

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.user_id:
            return True
        await interaction.response.send_message(
            "Only the member who wrote the note can log it.", ephemeral=True
        )
        return False

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        services = _services(interaction)
        message = interaction.message
        note = None if message is None else held_note(message.content)
        if interaction.guild_id is None or note is None:
            await interaction.response.send_message(
                "I can't find that note any more; type it again.", ephemeral=True
            )
            return
        outcome = await check_in(
            services,
            interaction.guild_id,
            interaction.user.id,
            note=clean_note(note),
            source="button",
            channel_id=interaction.channel_id,
        )
        quote = await services.quotes.pick(interaction.guild_id, interaction.channel_id or 0)
        embed = replies.checkin_reply(outcome, interaction.user.mention, quote)
        await interaction.response.edit_message(content=None, embed=embed, view=None)


def checkin_view(marker: str | None = None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CheckinButton(marker))
    return view


def leaderboard_view(
    period: Period, page: int, total_pages: int, *, image: bool = False
) -> discord.ui.View | None:
    if total_pages <= 1:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(
        LeaderboardPageButton(period, max(page - 1, 0), "prev", disabled=page <= 0, image=image)
    )
    view.add_item(
        LeaderboardPageButton(
            period,
            min(page + 1, total_pages - 1),
            "next",
            disabled=page >= total_pages - 1,
            image=image,
        )
    )
    return view


def held_note_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(HeldNoteButton(user_id))
    return view


def forget_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(user_id, "yes"))
    view.add_item(ForgetButton(user_id, "no"))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CheckinButton,
    LeaderboardPageButton,
    ForgetButton,
    HeldNoteButton,
)
