"""`legday run` with LEGDAY_HTTP_PORT: a port it cannot take is one line and exit code 2."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.cli.run import legday


def test_a_port_in_use_stops_the_bot_before_it_logs_in(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            "DISCORD_TOKEN": "x.y.z",
            # Nothing listens here: the bot must stop before it tries Discord.
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            "LEGDAY_HTTP_PORT": str(port),
        }
        result = legday("run", cwd=tmp_path, env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"legday: cannot serve HTTP on 127.0.0.1:{port} (LEGDAY_HTTP_PORT, LEGDAY_HTTP_HOST): "
        "address already in use"
    )


def test_a_bad_port_is_a_configuration_error(tmp_path: Path):
    result = legday("health", cwd=tmp_path, env={"LEGDAY_HTTP_PORT": "99999"})
    assert result.returncode == 2
    assert result.stderr == (
        "legday: invalid settings: LEGDAY_HTTP_PORT: 99999 is not a port number; "
        "expected 1 to 65535\n"
    )
