"""The project as a newcomer meets it: `make` targets, `legday --version`, skip reasons in
the test run, the licence and the package metadata."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import pytest

from tests.cli.run import legday

PROJECT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((PROJECT / "pyproject.toml").read_text())

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile and its inputs in a folder of their own, with a stand-in .venv (only
    `make -n` runs here: nothing is installed or executed)."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(PROJECT / name, tmp_path / name)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").write_text("")
    return tmp_path


def make(folder: Path, *args: str) -> subprocess.CompletedProcess:
    # Run as a top-level make even under `make test`, which would add "Entering directory".
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", *args], cwd=folder, env=env, capture_output=True, text=True)


def dry_run(folder: Path, target: str) -> str:
    done = make(folder, "-n", target)
    assert done.returncode == 0, done.stderr
    return done.stdout


def age(path: Path, seconds_ago: float) -> None:
    stamp = path.stat().st_mtime - seconds_ago
    os.utime(path, (stamp, stamp))


@needs_make
def test_make_installs_once_then_works_offline(checkout: Path):
    assert "pip install" in dry_run(checkout, "test")  # the first time: install

    (checkout / ".venv" / ".installed").write_text("")
    for name in ("pyproject.toml", "constraints.txt"):
        age(checkout / name, 60)
    for target in ("test", "lint", "run"):
        assert "pip" not in dry_run(checkout, target), target  # installed: no network

    os.utime(checkout / "constraints.txt")  # a dependency changed
    assert "pip install" in dry_run(checkout, "test")


@needs_make
def test_make_help_lists_every_target_with_what_it_does(checkout: Path):
    done = make(checkout, "help")
    assert done.returncode == 0
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    expected = {"help", "install", "test", "lint", "format", "run", "sandbox", "bench"}
    expected |= {"bench-quick", "mutation", "lock"}
    assert expected | {"clean"} == set(lines)
    assert all(len(line.split()) > 1 for line in lines.values())  # each has a description


def test_version_is_the_package_version(tmp_path: Path):
    result = legday("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"legday {PYPROJECT['project']['version']}"


def test_the_test_run_says_which_tests_were_skipped_and_why(tmp_path: Path):
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n\n\ndef test_needs_a_server():\n    pytest.skip('no PostgreSQL here')\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(PROJECT / "pyproject.toml"),
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_sample.py"),
        ],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        capture_output=True,
        text=True,
    )
    assert "SKIPPED [1] test_sample.py:5: no PostgreSQL here" in done.stdout, done.stdout


def test_the_licence_is_mit_and_the_package_says_so():
    licence = (PROJECT / "LICENSE").read_text()
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the legday authors\n")
    meta = metadata("legday")
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Topic :: Communications :: Chat" in classifiers


def test_env_example_names_only_settings_the_bot_reads():
    from bot.config import FIELDS

    known = {field.env for field in FIELDS}
    example = (PROJECT / ".env.example").read_text()
    named = {
        line.lstrip("# ").split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    }
    assert named, "no settings found in .env.example"
    assert named <= known, named - known
