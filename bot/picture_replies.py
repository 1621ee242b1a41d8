"""Pictures as Discord attachments: the inputs of the leaderboard card and the heatmap
from use-case results, their alt text (what a screen reader says instead), and whether
the bot may attach files where it is answering."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol, TypeVar

import discord
from discord.ext import commands

from bot import replies
from bot.core.days import Period
from bot.core.recap import RecapSummary
from bot.member_names import MemberNames
from bot.pictures.board import BoardCard, BoardCardRow, render_board_card
from bot.pictures.heatmap import Heatmap, render_heatmap
from bot.pictures.recap import RecapCard, render_recap_card
from bot.pictures.service import PictureService
from bot.usecases.leaderboards import Board
from bot.usecases.year_of_days import YearOfDays

BOARD_FILE = "leaderboard.png"
HEATMAP_FILE = "leg-days.png"
RECAP_FILE = "recap.png"
ALT_TEXT_LIMIT = 1024  # Discord's cap on an attachment's description
# Discord drops an interaction not answered within 3 s of its creation. A picture usually
# takes 10-20 ms, but the first one starts the worker (about 1 s) and a busy machine can
# stretch it: past this many seconds the interaction is deferred ("thinking...") first.
DEFER_AFTER = 1.0

T = TypeVar("T")

PERIOD_LABELS = {
    Period.WEEK: "This week",
    Period.MONTH: "This month",
    Period.YEAR: "This year",
    Period.ALL: "All time",
    Period.STREAK: "Current streak",
}


async def before_the_deadline(ctx: commands.Context[Any], drawing: Awaitable[T]) -> T:
    """`drawing`'s result; for a `/` command still unanswered after DEFER_AFTER seconds,
    the interaction is deferred meanwhile, so the picture's answer is a follow-up."""
    interaction = ctx.interaction
    if interaction is None or interaction.response.is_done():
        return await drawing
    task = asyncio.ensure_future(drawing)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await ctx.defer()
    return await task


class Painter(Protocol):
    """What drawing a picture needs from the bot."""

    pictures: PictureService
    member_names: MemberNames


async def board_file(painter: Painter, guild: discord.Guild, board: Board) -> discord.File:
    """The board's page as a card, with the names its members go by in the server."""
    users = [e.item.user_id for e in board.page.entries]
    if board.caller is not None:
        users.append(board.caller.item.user_id)
    names = await painter.member_names.names(guild, users)
    card = board_card(board, guild.name, names)
    png = await painter.pictures.render("board", guild.id, render_board_card, card)
    return attachment(png, BOARD_FILE, board_alt_text(card))


async def heatmap_file(
    painter: Painter, guild_id: int, year: YearOfDays, title: str
) -> discord.File:
    png = await painter.pictures.render("heatmap", guild_id, render_heatmap, heatmap(year, title))
    return attachment(png, HEATMAP_FILE, heatmap_alt_text(year, title))


async def recap_file(painter: Painter, guild: discord.Guild, summary: RecapSummary) -> discord.File:
    users = [user_id for _, tied in summary.leaders for user_id in tied]
    names = await painter.member_names.names(guild, users)
    card = RecapCard(server_name=guild.name, summary=summary, names=names)
    png = await painter.pictures.render("recap", guild.id, render_recap_card, card)
    return attachment(png, RECAP_FILE, recap_alt_text(card))


def board_card(board: Board, server_name: str, names: Mapping[int, str]) -> BoardCard:
    streaks = board.streaks or {}
    is_streak = board.period is Period.STREAK

    def row(rank: int, user_id: int, score: int, *, viewer: bool) -> BoardCardRow:
        return BoardCardRow(
            rank=rank,
            name=names.get(user_id, ""),
            count=score,
            streak=score if is_streak else streaks.get(user_id, 0),
            is_viewer=viewer,
        )

    caller = board.caller
    caller_id = caller.item.user_id if caller is not None else None
    rows = tuple(
        row(e.rank, e.item.user_id, e.item.score, viewer=e.item.user_id == caller_id)
        for e in board.page.entries
    )
    viewer = (
        None
        if caller is None or board.caller_on_page
        else row(caller.rank, caller.item.user_id, caller.item.score, viewer=True)
    )
    return BoardCard(
        server_name=server_name,
        period_label=PERIOD_LABELS[board.period],
        score_label="Weeks" if is_streak else "Leg days",
        rows=rows,
        page=board.page.number + 1,
        pages=board.page.total_pages,
        viewer=viewer,
        show_streak=not is_streak,
    )


def board_alt_text(card: BoardCard) -> str:
    word = "week" if card.score_label == "Weeks" else "leg day"
    places = [f"{r.rank}. {r.name}, {replies.plural(r.count, word)}" for r in card.rows]
    text = f"{card.server_name} leaderboard, {card.period_label.lower()}: "
    text += "; ".join(places) + "." if places else "nobody yet."
    if card.viewer is not None:
        text += f" You: place {card.viewer.rank}, {replies.plural(card.viewer.count, word)}."
    return _fit(text)


def board_embed(board: Board) -> discord.Embed:
    """The message around the card: the card says it all, the embed frames it."""
    embed = discord.Embed(
        title=f"Leg day leaderboard: {replies.period_title(board.period)}", colour=replies.BRAND
    )
    embed.set_image(url=f"attachment://{BOARD_FILE}")
    return embed


def heatmap(year: YearOfDays, title: str) -> Heatmap:
    return Heatmap(
        title=title,
        today=year.today,
        days=year.days,
        shield_weeks=year.shield_weeks,
        paused_weeks=year.paused_weeks,
        target=year.target,
    )


def heatmap_alt_text(year: YearOfDays, title: str) -> str:
    return _fit(
        f"{title}: {replies.plural(len(year.days), 'leg day')} in the last 52 weeks, "
        f"{replies.plural(len(year.shield_weeks), 'week')} saved by a shield, "
        f"{replies.plural(len(year.paused_weeks), 'week')} paused."
    )


def recap_alt_text(card: RecapCard) -> str:
    summary = card.summary
    goal = "" if summary.goal is None else f" of a goal of {summary.goal}"
    podium = ", ".join(
        f"{count} by {' and '.join(card.names.get(u, 'a member') for u in tied)}"
        for count, tied in summary.leaders
    )
    return _fit(
        f"{card.server_name}: {replies.plural(summary.total, 'leg day')} last week{goal}."
        + (f" Most leg days: {podium}." if podium else "")
    )


def attachment(png: bytes, filename: str, alt_text: str) -> discord.File:
    return discord.File(io.BytesIO(png), filename=filename, description=alt_text)


def can_attach(ctx: commands.Context[Any]) -> bool:
    """Whether the bot may attach files to its answer here (else the text goes alone)."""
    if ctx.interaction is not None:
        return ctx.interaction.app_permissions.attach_files
    return may_attach_in(ctx.channel, ctx.guild)


def may_attach_in(channel: Any, guild: discord.Guild | None) -> bool:
    if guild is None:
        return True  # a DM
    me = guild.me
    permissions_for = getattr(channel, "permissions_for", None)
    if me is None or permissions_for is None:
        return False
    return bool(permissions_for(me).attach_files)


def _fit(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"
