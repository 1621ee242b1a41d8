"""A tiny, unmodified discord.py bot used to exercise fakediscord (NOT the legday bot)."""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

ZONES = ["Europe/London", "Europe/Lisbon", "Europe/Berlin", "America/New_York", "Asia/Tokyo"]


class Pager(discord.ui.View):
    """A persistent view: fixed custom_ids, no timeout, registered with ``bot.add_view``."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @staticmethod
    def page_of(message: discord.Message | None) -> int:
        if message is None or not message.content.startswith("page "):
            return 1
        return int(message.content.split()[1])

    @discord.ui.button(label="Prev", custom_id="pager:prev", style=discord.ButtonStyle.secondary)
    async def prev(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        page = max(1, self.page_of(interaction.message) - 1)
        await interaction.response.edit_message(content=f"page {page}", view=self)

    @discord.ui.button(label="Next", custom_id="pager:next", style=discord.ButtonStyle.primary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        page = self.page_of(interaction.message) + 1
        await interaction.response.edit_message(content=f"page {page}", view=self)


class Cheer(discord.ui.DynamicItem[discord.ui.Button], template=r"cheer:(?P<uid>\d+)"):
    def __init__(self, uid: int) -> None:
        super().__init__(discord.ui.Button(label="Cheer", custom_id=f"cheer:{uid}"))
        self.uid = uid

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item, match
    ) -> Cheer:
        return cls(int(match["uid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"cheered <@{self.uid}>", ephemeral=True)


class Picker(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.select(
        custom_id="pick:day",
        options=[discord.SelectOption(label=d, value=d.lower()) for d in ("Monday", "Friday")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select) -> None:
        await interaction.response.edit_message(content=f"leg day is {select.values[0]}")


class NoteModal(discord.ui.Modal, title="Leg day note"):
    note: discord.ui.TextInput = discord.ui.TextInput(label="Note", custom_id="note:text")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


@app_commands.command(name="adminonly", description="Only for server managers")
@app_commands.default_permissions(manage_guild=True)
async def adminonly(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("hello admin", ephemeral=True)


class TinyBot(commands.Bot):
    def __init__(self, *, intents: discord.Intents, **kwargs) -> None:
        kwargs.setdefault("guild_ready_timeout", 0.05)
        super().__init__(command_prefix=commands.when_mentioned_or("!"), intents=intents, **kwargs)
        self.seen: Counter[int] = Counter()
        self.contents: list[str] = []
        self.ready_event = asyncio.Event()
        self.resumed_count = 0
        self.gate = asyncio.Event()
        self.errors: list[BaseException] = []

    async def setup_hook(self) -> None:
        self.add_view(Pager())
        self.add_dynamic_items(Cheer)
        await self.add_cog(Legday(self))
        self.tree.add_command(adminonly)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py sleeps 5 s before every non-initial IDENTIFY; skip that in tests
        return None

    async def on_ready(self) -> None:
        self.ready_event.set()

    async def on_resumed(self) -> None:
        self.resumed_count += 1

    async def on_message(self, message: discord.Message) -> None:
        self.seen[message.id] += 1
        self.contents.append(message.content)
        await self.process_commands(message)

    async def on_command_error(self, ctx: commands.Context, error: Exception) -> None:
        self.errors.append(error)


class Legday(commands.Cog):
    def __init__(self, bot: TinyBot) -> None:
        self.bot = bot

    @commands.hybrid_group(name="legday", description="Leg day commands")
    async def legday(self, ctx: commands.Context) -> None:
        await ctx.send("pick a subcommand")

    @legday.command(name="ping", description="Ping")
    async def ping(self, ctx: commands.Context) -> None:
        await ctx.send("pong")

    @legday.command(name="top", description="Leaderboard")
    async def top(self, ctx: commands.Context, period: Literal["week", "month"] = "week") -> None:
        await ctx.send(f"top for {period}", ephemeral=True)
        if ctx.interaction is not None:
            await ctx.interaction.followup.send(f"followup {period}")

    @legday.command(name="tz", description="Set your time zone")
    async def tz(self, ctx: commands.Context, zone: str) -> None:
        await ctx.send(f"zone set to {zone}", ephemeral=True)

    @tz.autocomplete("zone")
    async def tz_complete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in ZONES if z.startswith(current)]

    @legday.command(name="whois", description="Describe a member")
    async def whois(
        self,
        ctx: commands.Context,
        member: discord.Member,
        where: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        reps: int = 0,
    ) -> None:
        parts = [f"member={member.name}", f"reps={reps}"]
        if where is not None:
            parts.append(f"where={where.name}")
        if role is not None:
            parts.append(f"role={role.name}")
        if ctx.interaction is not None:
            perms = ctx.interaction.permissions
            parts.append(f"manage_guild={perms.manage_guild}")
        await ctx.send(" ".join(parts))

    @legday.command(name="export", description="Export your data")
    async def export(self, ctx: commands.Context) -> None:
        data = json.dumps({"user": ctx.author.id, "squats": 3}).encode()
        file = discord.File(io.BytesIO(data), filename="legday.json")
        if ctx.interaction is not None:
            await ctx.send("here you go", file=file, ephemeral=True)
        else:
            await ctx.author.send("your export", file=file)
            await ctx.send("sent you a DM")

    @legday.command(name="slow", description="Takes a while")
    async def slow(self, ctx: commands.Context) -> None:
        await ctx.defer()
        await asyncio.sleep(0.05)
        await ctx.send("done thinking")

    @legday.command(name="late", description="Answers when the test says so")
    async def late(self, ctx: commands.Context) -> None:
        await self.bot.gate.wait()
        await ctx.send("finally")

    @legday.command(name="later", description="Defers, then follows up when told")
    async def later(self, ctx: commands.Context) -> None:
        await ctx.defer()
        await self.bot.gate.wait()
        await ctx.send("late followup")

    @legday.command(name="pick", description="Pick a day")
    async def pick(self, ctx: commands.Context) -> None:
        await ctx.send("which day?", view=Picker())

    @legday.command(name="flex", description="React and type")
    async def flex(self, ctx: commands.Context) -> None:
        async with ctx.typing():
            await ctx.message.add_reaction("\N{FLEXED BICEPS}")
        await ctx.send("flexed")

    @legday.command(name="note", description="Write a note")
    async def note(self, ctx: commands.Context) -> None:
        if ctx.interaction is not None:
            await ctx.interaction.response.send_modal(NoteModal())

    @legday.command(name="promote", description="Give a role")
    async def promote(
        self, ctx: commands.Context, member: discord.Member, role: discord.Role
    ) -> None:
        try:
            await member.add_roles(role)
        except discord.Forbidden as exc:
            await ctx.send(f"cannot: {exc.code}")
        else:
            await ctx.send(f"promoted {member.name}")

    @legday.command(name="pager", description="Paginated output")
    async def pager(self, ctx: commands.Context) -> None:
        await ctx.send("page 1", view=Pager())

    @legday.command(name="cheer", description="Cheer someone")
    async def cheer(self, ctx: commands.Context, member: discord.Member) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(Cheer(member.id))
        await ctx.send(f"cheer for {member.display_name}?", view=view)

    @legday.command(name="long", description="Too long")
    async def long(self, ctx: commands.Context) -> None:
        await ctx.send("x" * 2001)

    @legday.command(name="bigembed", description="Embed over the limits")
    async def bigembed(self, ctx: commands.Context) -> None:
        embed = discord.Embed(title="t" * 300, description="ok")
        await ctx.send(embed=embed)

    @legday.command(name="edit", description="Send then edit")
    async def edit(self, ctx: commands.Context) -> None:
        msg = await ctx.send("before")
        await msg.edit(content="after")

    @legday.command(name="nonce", description="Send twice with the same nonce")
    async def nonce(self, ctx: commands.Context) -> None:
        first = await ctx.channel.send("once", nonce="legday-1")
        second = await ctx.channel.send("once", nonce="legday-1")
        await ctx.channel.send(f"same={first.id == second.id}")

    @legday.command(name="mentions", description="Mention many users")
    async def mentions(self, ctx: commands.Context) -> None:
        users = [discord.Object(id=i) for i in range(1, 102)]
        await ctx.send("hi", allowed_mentions=discord.AllowedMentions(users=users))

    @legday.command(name="reply", description="Reply to the invoking message")
    async def reply(self, ctx: commands.Context) -> None:
        await ctx.reply("replying", mention_author=False)


def default_intents(*, message_content: bool = True, members: bool = False) -> discord.Intents:
    intents = discord.Intents.default()
    intents.message_content = message_content
    intents.members = members
    return intents
