"""The layers point one way: cogs -> use cases -> core and store; store -> SQL only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imports(path: Path) -> set[str]:
    """Every module a file imports, type-checking-only imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _offending(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imports(path) if m.startswith(forbidden))


@pytest.mark.parametrize("path", files("cogs"), ids=lambda p: p.name)
def test_cogs_never_touch_the_store_or_the_engine(path: Path):
    # bot.app is imported for typing only: the bot class that owns the services.
    assert _offending(path, ("bot.store", "bot.reminders", "sqlalchemy", "sqlite3")) == []


@pytest.mark.parametrize("path", files("bot/store"), ids=lambda p: p.name)
def test_the_store_holds_no_domain_rules(path: Path):
    forbidden = ("bot.core.streaks", "bot.core.days", "bot.usecases", "discord", "cogs")
    assert _offending(path, forbidden) == []


@pytest.mark.parametrize("path", files("bot/usecases"), ids=lambda p: p.name)
def test_use_cases_know_nothing_of_discord(path: Path):
    forbidden = ("discord", "cogs", "sqlalchemy", "bot.reminders", "bot.views", "bot.replies")
    assert _offending(path, forbidden) == []


@pytest.mark.parametrize("path", files("bot/pictures"), ids=lambda p: p.name)
def test_pictures_are_drawn_from_plain_data(path: Path):
    # Renderers run in worker processes: no Discord, no database, no use cases there.
    forbidden = ("discord", "cogs", "sqlalchemy", "bot.store", "bot.usecases", "bot.reminders")
    assert _offending(path, forbidden) == []


def test_use_cases_import_no_discord_even_indirectly():
    import subprocess
    import sys

    probe = (
        "import sys, bot.usecases.checkins, bot.usecases.leaderboards, bot.usecases.schedules, "
        "bot.usecases.server, bot.usecases.preferences, bot.usecases.privacy, bot.usecases.quotes;"
        "roots = {m.split('.')[0] for m in sys.modules};"
        "print(sorted(roots & {'discord', 'sqlalchemy', 'alembic', 'psycopg'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "path",
    [p for p in files("bot") + files("cogs") if "sandbox" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_production_code_never_imports_the_emulator(path: Path):
    assert _offending(path, ("fakediscord",)) == []


def test_sqlalchemy_only_where_a_migration_or_postgresql_needs_it():
    users = {
        str(p.relative_to(ROOT))
        for p in files("bot")
        if any(m.startswith(("sqlalchemy", "alembic")) for m in imports(p))
    }
    # (coordination.py reads a PostgreSQL URL with it, only for PostgreSQL; copy_database.py
    # is `legday db copy-to`, the move to PostgreSQL.)
    assert users == {
        "bot/copy_database.py",
        "bot/database.py",
        "bot/schema.py",
        "bot/store/coordination.py",
    }


def test_psycopg_only_in_the_postgresql_runner():
    users = {
        str(p.relative_to(ROOT))
        for p in files("bot") + files("cogs")
        if any(m.split(".")[0] == "psycopg" for m in imports(p))
    }
    assert users == {"bot/store/pg_runner.py"}


# discord.py's documented API is `discord`, `discord.ext.*`, `discord.app_commands`,
# `discord.ui` and `discord.utils`; its HTTP and gateway modules are internals.
_DISCORD_INTERNALS = ("discord.http", "discord.gateway", "discord.state", "discord.webhook.async_")


@pytest.mark.parametrize("path", files("bot") + files("cogs"), ids=lambda p: p.name)
def test_only_the_endpoint_switch_touches_discord_internals(path: Path):
    if path == ROOT / "bot" / "endpoints.py":
        return  # the API base and gateway URL have no public setting (see its docstring)
    source = path.read_text(encoding="utf-8")
    assert _offending(path, _DISCORD_INTERNALS) == []
    assert "discord.http." not in source
    assert "handle_message_parameters" not in source


@pytest.mark.parametrize("path", files("bot") + files("cogs"), ids=lambda p: p.name)
def test_the_bot_imports_neither_the_emulator_nor_the_sandbox(path: Path):
    assert _offending(path, ("fakediscord", "sandbox")) == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (type-checking imports included); `from
    package import submodule` points at the submodule, not the package's __init__."""
    paths = {_module_name(p): p for package in packages for p in files(package)}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in paths)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in paths:
                        targets.add(full)
                    elif node.module in paths:
                        targets.add(node.module)
        graph[name] = targets - {name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others():
    graph = _import_graph(("bot", "cogs", "fakediscord", "sandbox"))
    assert "fakediscord.gateway" in graph and graph["fakediscord.emulator"]  # it read them
    assert _circles(graph) == []


def test_the_circle_finder_finds_one():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
