import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
ALLOWED = {
    "__future__",
    "bot",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "functools",
    "hashlib",
    "random",
    "re",
    "typing",
    "unicodedata",
    "zoneinfo",
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_core_imports_only_stdlib(path):
    assert imported_roots(path) <= ALLOWED


def test_importing_core_does_not_load_discord():
    # Stub the `bot` package so only bot/core runs, and make any discord import fail loudly.
    code = (
        "import sys, types\n"
        f"pkg = types.ModuleType('bot'); pkg.__path__ = [{str(CORE.parent)!r}]\n"
        "sys.modules['bot'] = pkg\n"
        "sys.modules['discord'] = None\n"
        "import bot.core, bot.core.days, bot.core.errors, bot.core.parsing, bot.core.quotes\n"
        "import bot.core.ranking, bot.core.schedule, bot.core.streaks\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=CORE.parents[1], check=True)
