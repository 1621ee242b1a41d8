"""`legday commands sync [--guild ID]`: publishes the slash commands over HTTP only, against
the local Discord, and says in one line what it did or why it could not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import LegDayBot
from fakediscord import FakeDiscord
from sandbox.demo import Demo, build_demo
from tests.cli.run import closed_port, legday_async, one_line

pytestmark = pytest.mark.e2e


@pytest.fixture
async def discord_world() -> AsyncIterator[tuple[FakeDiscord, Demo]]:
    async with FakeDiscord() as fd:
        yield fd, build_demo(fd)


def env_for(fd: FakeDiscord, **extra: str) -> dict[str, str]:
    return {
        "DISCORD_API_BASE": fd.api_base,
        "DISCORD_GATEWAY_URL": fd.gateway_url,
        "DISCORD_TOKEN": fd.bot_token,
        **extra,
    }


def published(fd: FakeDiscord, guild_id: int | None) -> set[str]:
    return {c.name for c in fd.state.commands.values() if c.guild_id == guild_id}


def assert_no_gateway(fd: FakeDiscord) -> None:
    assert fd.identify_count == 0
    assert fd.gateway_frames == []  # not even a websocket was opened


async def test_global_sync_publishes_over_http_only(discord_world, tmp_path: Path):
    fd, _ = discord_world
    result = await legday_async("commands", "sync", cwd=tmp_path, env=env_for(fd))

    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("published 2 slash commands (/legday, /legday-admin) with ")
    assert line.endswith("globally (Discord can take a while to show them in every server)")
    assert published(fd, None) == {"legday", "legday-admin"}
    assert_no_gateway(fd)
    assert result.stderr == ""
    # Serving was never started: no database opened or created, no reminders armed.
    assert not (tmp_path / "data").exists()


async def test_guild_sync_makes_the_commands_usable_there_at_once(discord_world, tmp_path: Path):
    fd, demo = discord_world
    guild = str(demo.guild.id)
    result = await legday_async("commands", "sync", "--guild", guild, cwd=tmp_path, env=env_for(fd))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"to server {guild} (usable there now)")
    assert published(fd, demo.guild.id) == {"legday", "legday-admin"}
    assert published(fd, None) == set()
    assert_no_gateway(fd)
    # A member can now invoke it (the emulator refuses commands that were never synced).
    record = await fd.slash(demo.users["bob"], demo.gym, "legday why")
    assert record.payload["data"]["name"] == "legday"


async def test_a_server_that_does_not_exist_is_one_line_and_exit_2(discord_world, tmp_path):
    fd, _ = discord_world
    result = await legday_async(
        "commands", "sync", "--guild", "123456789012345678", cwd=tmp_path, env=env_for(fd)
    )
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "legday: server 123456789012345678 does not exist, or the bot is not in it; invite it first"
    )


async def test_a_server_without_the_bot_is_one_line_and_exit_2(discord_world, tmp_path):
    fd, _ = discord_world
    elsewhere = fd.create_guild("Cardio Club", owner=fd.create_user("runner"))
    fd.remove_guild(elsewhere)  # the bot was removed from it (or never invited)
    result = await legday_async(
        "commands", "sync", "--guild", str(elsewhere.id), cwd=tmp_path, env=env_for(fd)
    )
    assert result.returncode == 2
    assert "may not add commands to server" in one_line(result.stderr)
    assert published(fd, elsewhere.id) == set()


async def test_a_rejected_token_is_one_line_and_exit_2(discord_world, tmp_path):
    fd, _ = discord_world
    fd.invalidate_token(fd.bot_token)
    result = await legday_async("commands", "sync", cwd=tmp_path, env=env_for(fd))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "legday: Discord rejected DISCORD_TOKEN; copy it again from the portal"
    )
    assert fd.bot_token not in result.stderr + result.stdout


async def test_discord_unreachable_is_one_line_and_exit_4(tmp_path: Path):
    port = closed_port()
    env = {"DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10", "DISCORD_TOKEN": "x.y.z"}
    result = await legday_async("commands", "sync", cwd=tmp_path, env=env)
    assert result.returncode == 4
    assert one_line(result.stderr) == (
        f"legday: cannot reach http://127.0.0.1:{port}/api/v10: connection refused"
    )


async def test_a_guild_that_is_not_an_id_is_refused_before_anything_runs(tmp_path: Path):
    result = await legday_async("commands", "sync", "--guild", "gym", cwd=tmp_path)
    assert result.returncode == 2
    assert "expected a server id (a number" in result.stderr
    assert "Traceback" not in result.stderr


async def test_setup_hook_builds_the_tree_without_starting_to_serve(make_config, store):
    """What `commands sync` relies on: logging in (which runs setup_hook) loads the
    commands and starts no reminders and no health loop."""
    bot = LegDayBot(make_config(health_file="unused"), store)
    try:
        await bot.setup_hook()
        assert bot.tree.get_command("legday") is not None
        assert not bot.serving
        assert not bot.reminders.running
    finally:
        await bot.close()
