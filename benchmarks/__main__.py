"""`python -m benchmarks [--quick]`: the side-by-side benchmarks, one after another.

Each also runs alone, with its own options:

    python -m benchmarks.throughput   # check-ins answered per second vs a bare discord.py bot
    python -m benchmarks.leaderboard  # pages at a million check-ins vs a naive GROUP BY
    python -m benchmarks.memory       # resident memory vs a default discord.py bot
    python -m benchmarks.fanout       # 2,000 reminders (or recaps, at-risk calls) due at once
    python -m benchmarks.startup      # READY to reminders armed with 10,000 schedules
    python -m benchmarks.pictures     # card/heatmap render times vs naive; loop lag, 100 cards
    python -m benchmarks.checkin_paths  # one check-in in-process: note, lifts, milestones
    python -m benchmarks.scale        # 2 shard processes on PostgreSQL vs 1 on SQLite

Absolute numbers are noise on a shared machine; the ratios are the results. `--quick`
runs tiny sizes that check both sides do the same work, not how fast (CI runs it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from benchmarks.processes import PROJECT

BENCHMARKS = (
    "benchmarks.throughput",
    "benchmarks.leaderboard",
    "benchmarks.memory",
    "benchmarks.fanout",
    "benchmarks.startup",
    "benchmarks.pictures",
    "benchmarks.checkin_paths",
    "benchmarks.scale",
)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the checks only")
    args = parser.parse_args()
    failed = []
    for module in BENCHMARKS:
        print(f"== python -m {module}{' --quick' if args.quick else ''}", flush=True)
        argv = [sys.executable, "-m", module, *(["--quick"] if args.quick else [])]
        if subprocess.run(argv, cwd=PROJECT, check=False).returncode != 0:
            failed.append(module)
        print(flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
