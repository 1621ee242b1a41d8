"""Issue 12, item 8: the bot's token never leaves it, and its image never runs as root.

The real bot runs with a token it would be easy to spot, at DEBUG, through commands, a
failing request, a reconnect, an export, `legday health`, `legday db backup` and a
refused start; then everything it produced is searched for the token and its pieces.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from fakediscord import FakeDiscord
from sandbox.demo import build_demo
from sandbox.process import BotProcess
from sandbox.stage import Stage
from tests.cli.run import legday_async
from tests.e2e.conftest import E2E_ROUTE_LIMITS
from tests.reliability._data_support import TOKEN_WINDOW, token_pieces

pytestmark = pytest.mark.e2e
# SQLite only: `legday db backup` and the data folder it searches are SQLite files.

ROOT = Path(__file__).resolve().parents[2]


def spot_token(tag: str) -> str:
    """A token shaped like Discord's (id.timestamp.hmac, base64 pieces) whose every piece
    is unmistakable in a log."""
    ident = base64.b64encode(b"424242424242424242").decode().rstrip("=")
    return f"{ident}.{tag}Tk9.HmacPart-{tag}-{uuid.uuid4().hex}"


def leaks(where: str, data: str | bytes, token: str) -> list[str]:
    """Which pieces of `token` appear in `data`, named by where it came from."""
    found = []
    for piece in token_pieces(token):
        needle: str | bytes = piece.encode() if isinstance(data, bytes) else piece
        if needle in data:  # type: ignore[operator]
            found.append(f"{where}: {piece!r}")
    return found


def what_discord_received(fd: FakeDiscord) -> list[tuple[str, str | bytes]]:
    """Everything the bot sent to Discord except the login itself (the Authorization
    header and IDENTIFY are where the token belongs): request bodies and queries, every
    message in every channel and DM, ephemeral ones included, and every file."""
    out: list[tuple[str, str | bytes]] = []
    for request in fd.requests:
        body = json.dumps(request.json, default=str)
        out.append((f"{request.key} body", body + json.dumps(request.query) + request.path))
    for channel_id, messages in fd.state.channel_messages.items():
        for message in messages:
            where = f"message {message.id} in {channel_id}"
            out.append((where, json.dumps(message.raw, default=str)))
            for attachment in message.attachments:
                out.append((f"{where} file {attachment.filename}", attachment.data))
    for record in fd.interactions():
        out.append((f"interaction {record.id}", json.dumps(record.response_data, default=str)))
    return out


def files_in(folder: Path) -> list[tuple[str, str | bytes]]:
    """Every file the run left: the database, its backup, the health file, logs."""
    return [(f"file {p.name}", p.read_bytes()) for p in folder.iterdir() if p.is_file()]


def test_the_scan_finds_a_planted_token() -> None:
    """The search below would see the token, a piece of it, or it base64-encoded."""
    token = spot_token("Planted")
    ident, middle, hmac = token.split(".")
    assert leaks("log", f"... Authorization: Bot {token} ...", token)
    assert leaks("log", f"token tail {hmac}", token)
    assert leaks("log", f"token middle {middle}Z", token)
    assert leaks("file", base64.b64encode(token.encode()), token)
    assert leaks("file", b"\x00" + ident.encode(), token)
    assert leaks("log", f"token ...{token[-TOKEN_WINDOW:]}", token)  # a "masked" token
    assert not leaks("log", "a clean line about tokens and the 424242 id", token)


async def _wait_for(condition: Any, what: str, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_the_token_never_appears_in_anything_the_bot_produces(tmp_path: Path) -> None:
    token = spot_token("LegdaySecret")
    refused = spot_token("LegdayRefused")
    database = tmp_path / "legday.db"
    health = tmp_path / "health"
    backup = tmp_path / "backup.db"
    env = {
        "LEGDAY_LOG_LEVEL": "DEBUG",
        "LEGDAY_HEALTH_FILE": str(health),
        "LEGDAY_COOLDOWN_RATE": "1000",
    }
    outputs: list[tuple[str, str | bytes]] = []
    async with FakeDiscord(
        heartbeat_interval_ms=1000, route_limits=E2E_ROUTE_LIMITS, bot_token=token
    ) as fd:
        assert fd.bot_token == token
        demo = build_demo(fd)
        stage = Stage(fd, demo, f"sqlite+aiosqlite:///{database}", tmp_path, env)
        await stage.start_bot()
        try:
            lifter = fd.create_user("lifter")
            fd.add_member(demo.guild, lifter)
            gym = demo.gym

            async def say(text: str) -> None:
                """Say `text` and wait for the bot's reply to it."""
                said = await fd.say(lifter, gym, text)
                await fd.next_message(
                    gym,
                    predicate=lambda m: (
                        (m.message_reference or {}).get("message_id") == str(said.id)
                    ),
                )

            await say("!legday box squats")
            await say("!legday stats")
            await say("!legday tz Mars/Olympus_Mons")  # refused, politely
            await (await fd.slash(lifter, gym, "legday top")).wait_response()

            # A command whose reply Discord refuses (403), and one it fails once (500,
            # which discord.py retries): errors go through the bot's error paths at DEBUG.
            def bot_posts() -> int:
                return sum(m.author.id == fd.bot_user.id for m in fd.messages(gym))

            posted = bot_posts()
            fd.fail("POST /channels/{channel_id}/messages", 403, code=50013, count=1)
            await fd.say(lifter, gym, "!legday stats")
            # The reply was refused: the bot logs it once and stays quiet in that channel
            # (an apology would be refused too) until the channel changes.
            await _wait_for(lambda: any(r.status == 403 for r in fd.requests), "the 403")
            await asyncio.sleep(1.0)
            assert bot_posts() == posted
            fd.set_overwrite(gym, fd.bot_user, allow=0, deny=0)  # an admin fixes the channel
            await say("!legday stats")
            fd.fail("POST /channels/{channel_id}/messages", 500, count=1)
            await say("!legday stats")
            assert any(r.status == 500 for r in fd.requests)

            # A dropped connection (RESUME) and a lost session (a new IDENTIFY).
            resumes = fd.resume_count
            await fd.drop_connection()
            await _wait_for(lambda: fd.resume_count > resumes, "the RESUME")
            await fd.send_invalid_session(resumable=False)
            await fd.wait_ready(15, count=2)
            await say("!legday stats")

            # Exports: by DM (`!`) and as an ephemeral file (`/`).
            await say("!legday export")
            dm = await fd.next_message(fd.dm_channel(lifter))
            assert dm.attachments
            slash = await (await fd.slash(lifter, gym, "legday export")).wait_response()
            assert slash is not None and slash.attachments

            # Alongside the running bot: `legday health`, `legday db backup`, and a second
            # bot whose token Discord refuses (401 on login: one line, exit 2).
            cli_env = {**stage.env(), "LEGDAY_LOG_LEVEL": "DEBUG"}
            fd.invalidate_token(refused)
            failed = BotProcess({**cli_env, "DISCORD_TOKEN": refused}, tmp_path / "refused.log")
            await failed.start()
            checked, copied, code = await asyncio.gather(
                legday_async("health", env=cli_env, cwd=tmp_path),
                legday_async("db", "backup", str(backup), env=cli_env, cwd=tmp_path),
                failed.wait(60),
            )
            # The bot writes the health file on READY and every 30 s while connected.
            assert (checked.returncode, checked.stderr) == (0, "")
            assert copied.returncode == 0, copied.stderr
            assert code == 2, failed.log_text()
            for name, result in (("health", checked), ("db backup", copied)):
                outputs += [(f"legday {name} stdout", result.stdout)]
                outputs += [(f"legday {name} stderr", result.stderr)]
        finally:
            await stage.stop_bot()
        outputs += what_discord_received(fd)

    refused_log = failed.log_text()
    assert "Discord rejected DISCORD_TOKEN" in refused_log and "Traceback" not in refused_log
    log = stage.bot.log_text()
    assert re.search(r" DEBUG +bot", log) or " DEBUG " in log, "DEBUG logging was not on"
    outputs += [("bot log (stdout and stderr)", log), ("refused start log", refused_log)]
    outputs += files_in(tmp_path)
    names = {where for where, _ in outputs}
    assert {"file backup.db", "file legday.db"} <= names
    assert any(where.endswith(".json") for where in names), "no exported file was scanned"

    found = [hit for where, data in outputs for hit in leaks(where, data, token)]
    found += [hit for where, data in outputs for hit in leaks(where, data, refused)]
    assert found == [], "the token leaked:\n" + "\n".join(found[:20])


# -- the image --------------------------------------------------------------------------


def _final_stage(dockerfile: str) -> list[tuple[str, str]]:
    """(instruction, arguments) of the last stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile)
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    parsed = [
        (ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if " " in ln else "") for ln in lines
    ]
    last_from = max(i for i, (op, _) in enumerate(parsed) if op == "FROM")
    return parsed[last_from:]


def image_user_problems(dockerfile: str) -> list[str]:
    """Why the image's final stage would run as root or could not write its data folder
    (empty: it runs as a user of its own that owns the folder)."""
    stage = _final_stage(dockerfile)
    ops = [op for op, _ in stage]
    users = [(i, args.strip()) for i, (op, args) in enumerate(stage) if op == "USER"]
    if not users:
        return ["the final stage has no USER: it runs as root"]
    index, user = users[-1]
    name = user.split(":")[0]
    problems = []
    if name in ("root", "0"):
        problems.append(f"USER {user} is root")
    if "ENTRYPOINT" not in ops or index > ops.index("ENTRYPOINT"):
        problems.append("USER is not set before ENTRYPOINT")
    runs = " ; ".join(args for op, args in stage[:index] if op == "RUN")
    created = re.search(rf"useradd\b[^;&]*\b{re.escape(name)}\b", runs)
    if created is None:
        problems.append(f"the user {name} is not created in the final stage")
    else:
        uid = re.search(r"(?:--uid|-u)\s+(\d+)", created.group(0))
        if uid is not None and int(uid.group(1)) == 0:
            problems.append(f"the user {name} has uid 0")
    envs = " ".join(args for op, args in stage if op == "ENV")
    data_dir = re.search(r"LEGDAY_DATA_DIR=(\S+)", envs)
    if data_dir is None:
        return [*problems, "the image sets no LEGDAY_DATA_DIR"]
    folder = data_dir.group(1)
    owner = rf"chown\s+(-R\s+)?{re.escape(name)}(:\S+)?\s+{re.escape(folder)}\b"
    if not re.search(owner, runs):
        problems.append(f"{folder} is not given to {name} before USER")
    if folder not in " ".join(args for op, args in stage if op == "VOLUME"):
        problems.append(f"{folder} is not a VOLUME")
    return problems


def test_the_image_runs_as_a_user_that_owns_the_data_folder() -> None:
    assert image_user_problems((ROOT / "Dockerfile").read_text()) == []


def test_the_dockerfile_check_sees_a_root_image() -> None:
    good = (ROOT / "Dockerfile").read_text()
    assert "USER root is root" in image_user_problems(good.replace("USER legday", "USER root"))
    assert "USER 0:0 is root" in image_user_problems(good.replace("USER legday", "USER 0:0"))
    no_user = image_user_problems(good.replace("USER legday\n", ""))
    assert no_user == ["the final stage has no USER: it runs as root"]
    assert "the user legday has uid 0" in image_user_problems(
        good.replace("--uid 10001", "--uid 0")
    )
    assert any(
        "is not given to legday" in p
        for p in image_user_problems(good.replace("chown legday /data", "true"))
    )
    # A USER only in the build stage does not count.
    assert image_user_problems('FROM a AS b\nUSER x\nFROM c\nENTRYPOINT ["x"]\n') == [
        "the final stage has no USER: it runs as root"
    ]


def _docker_unavailable() -> str | None:
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"the docker daemon is not reachable ({reason})"
    return None


def test_the_built_image_runs_as_non_root(long_run: bool) -> None:
    """Builds the image (minutes, so under --long only) and asks it who it is."""
    if not long_run:
        pytest.skip("builds the Docker image (minutes): runs under --long")
    reason = _docker_unavailable()
    if reason is not None:
        pytest.skip(f"cannot check the built image: {reason}")
    tag = f"legday-secrets-test:{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:

        def inside(*command: str) -> str:
            done = subprocess.run(
                ["docker", "run", "--rm", "--entrypoint", command[0], tag, *command[1:]],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            return done.stdout.strip()

        assert inside("id", "-u") != "0"
        assert inside("stat", "-c", "%U", "/data") == inside("id", "-un")
    finally:
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
