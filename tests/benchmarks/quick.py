"""Running a benchmark's documented `--quick` command, as CI does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def _as_a_background_job() -> None:
    # CI runners and `cmd &` start jobs with SIGINT ignored; the benchmark must still be
    # able to stop the bots it starts.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def quick(module: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, "--quick"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        preexec_fn=_as_a_background_job,
    )
