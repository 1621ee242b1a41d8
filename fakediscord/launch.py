"""Run a module as ``__main__`` with discord.py pointed at the emulator.

FAKEDISCORD_API_BASE=... FAKEDISCORD_GATEWAY_URL=... python -m fakediscord.launch bot [args]
"""

from __future__ import annotations

import runpy
import sys

from fakediscord.connect import ENV_API_BASE, ENV_GATEWAY_URL, point_discord_py_from_env


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m fakediscord.launch <module> [args...]")
    if not point_discord_py_from_env():
        raise SystemExit(f"{ENV_API_BASE} and {ENV_GATEWAY_URL} must be set")
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
