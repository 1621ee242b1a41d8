"""Test honesty (issue 12, item 11): a test fails for its own reason, never for another's.

- No e2e test module keeps state at module level that one test could leave for the next
  (the reminders module once shared a `PLAN` that its tests filled in turn, so none could
  run alone and one bug failed four tests). Each e2e test gets a server of its own; what a
  module shares is the bot, through fixtures.
- The suite runs in a random order (pytest-randomly): collecting with two seeds gives two
  orders of the same tests, and `.ci/run` passes and prints its seed.
- `make test` runs every benchmark's `--quick` mode, which is why CI runs no separate
  `make bench-quick`.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import importlib.metadata
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from _pytest.mark.structures import MarkDecorator, ParameterSet

from benchmarks.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
E2E_MODULES = sorted((ROOT / "tests" / "e2e").glob("test_*.py"))

_SCALARS = (int, float, complex, str, bytes, bool, type(None), range, re.Pattern, enum.Enum)


def unchangeable(value: Any) -> bool:
    """Whether nothing a test does to `value` can be seen by the next test."""
    if isinstance(value, (*_SCALARS, MarkDecorator)):
        return True
    if isinstance(value, tuple | frozenset):  # ParameterSet is a tuple too
        return all(unchangeable(item) for item in value)
    if isinstance(value, types.MappingProxyType):
        return all(unchangeable(item) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frozen = type(value).__dataclass_params__.frozen  # type: ignore[attr-defined]
        return frozen and all(
            unchangeable(getattr(value, f.name)) for f in dataclasses.fields(value)
        )
    return False


def assigned_at_module_level(tree: ast.Module) -> list[str]:
    """The names a module's own top-level statements bind to a value (imports, functions
    and classes aside)."""
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return names


def mutable_module_state(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    module = importlib.import_module(f"tests.e2e.{path.stem}")
    problems = []
    for name in assigned_at_module_level(tree):
        value = getattr(module, name)
        if name == "pytestmark":  # pytest's own: a mark or a list of marks
            marks = value if isinstance(value, list) else [value]
            ok = all(isinstance(m, MarkDecorator) for m in marks)
        else:
            ok = unchangeable(value)
        if not ok:
            problems.append(f"{path.name}: {name} = {type(value).__name__}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Global | ast.Nonlocal):
            problems.append(f"{path.name}:{node.lineno}: {', '.join(node.names)} rebound")
    return problems


def test_the_checker_knows_shared_state_when_it_sees_it() -> None:
    @dataclasses.dataclass
    class Plan:
        schedule_id: int = 0

    @dataclasses.dataclass(frozen=True)
    class Row:
        name: str

    for shared in ([], {}, set(), Plan(), (1, []), types.MappingProxyType({"a": []})):
        assert not unchangeable(shared), shared
    for fixed in (3, "gym", (1, "a"), frozenset({1}), Row("a"), re.compile("x")):
        assert unchangeable(fixed), fixed
    assert unchangeable(ParameterSet.extract_from(pytest.param(1, id="one")))
    source = "import x\nA = 1\nB: list[int] = []\nC, (D, E) = 1, (2, 3)\nF += 1\ndef g(): pass\n"
    assert assigned_at_module_level(ast.parse(source)) == ["A", "B", "C", "D", "E", "F"]


@pytest.mark.parametrize("path", E2E_MODULES, ids=lambda p: p.name)
def test_e2e_modules_keep_no_state_one_test_could_leave_for_another(path: Path) -> None:
    """A module-level list, dict, set or plain object is state a test can change for the
    next test; an e2e module may hold constants only (its fixtures hold the rest)."""
    assert mutable_module_state(path) == []


def collected(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *args, "tests/e2e"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_suite_runs_in_a_random_order_a_seed_repeats() -> None:
    plugins = {e.name for e in importlib.metadata.entry_points(group="pytest11")}
    assert "randomly" in plugins, "pytest-randomly is not installed (the dev extra)"
    in_file_order = collected("-p", "no:randomly")
    first, again, other = (collected(f"--randomly-seed={seed}") for seed in (1, 1, 2))
    assert sorted(first) == sorted(other) == sorted(in_file_order)
    assert first == again  # a seed names one order: a failure can be replayed
    assert len({tuple(first), tuple(other), tuple(in_file_order)}) == 3


def test_ci_passes_and_prints_its_seed() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r'make test PYTEST_ARGS="--randomly-seed=\$seed"', ci)
    assert re.search(r'echo "[^"\n]*seed \$seed', ci)  # the seed in CI's own output


def test_make_test_runs_every_benchmarks_quick_mode() -> None:
    """CI dropped `make bench-quick` because the tests marked `bench` run each benchmark's
    `--quick` mode: a benchmark added without such a test would go unchecked."""
    run_quick: set[str] = set()
    for path in (ROOT / "tests" / "benchmarks").glob("test_*.py"):
        tree = ast.parse(path.read_text())
        marked = any(
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
            and "pytest.mark.bench" in ast.unparse(node.value)
            for node in tree.body
        )
        for node in ast.walk(tree):
            if (
                marked
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "quick"
                and isinstance(node.args[0], ast.Constant)
            ):
                run_quick.add(str(node.args[0].value))
    assert set(BENCHMARKS) <= run_quick, set(BENCHMARKS) - run_quick
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert not [line for line in ci if "bench-quick" in line and not line.startswith("#")]
