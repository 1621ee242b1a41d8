"""The pictures benchmark's checks and its `--quick` run."""

from __future__ import annotations

import pytest

from benchmarks.measure import CheckFailed
from benchmarks.naive_pictures import naive_board_card, naive_heatmap, naive_recap_card
from benchmarks.pictures import _size, board_inputs, parse
from bot.pictures import board, heatmap, recap, samples
from tests.benchmarks.quick import quick

pytestmark = pytest.mark.bench


def test_the_naive_side_draws_pictures_of_the_same_size():
    card = samples.board()
    assert _size(naive_board_card(card)) == (board.WIDTH, board.height(card))
    assert _size(naive_heatmap(samples.heatmap())) == (heatmap.WIDTH, heatmap.HEIGHT)
    rc = samples.recap()
    assert _size(naive_recap_card(rc)) == (recap.WIDTH, recap.height(rc))


def test_something_that_is_not_a_png_fails_the_check():
    with pytest.raises((CheckFailed, OSError)):
        _size(b"GIF89a not really")


def test_the_concurrent_cards_are_all_different():
    cards = board_inputs(100)
    assert len(set(cards)) == 100


def test_quick_defaults_are_small():
    args = parse(["--quick"])
    assert (args.runs, args.concurrent) == (3, 8)
    assert (parse([]).runs, parse([]).concurrent) == (200, 100)


def test_pictures_quick_run_passes_its_checks():
    done = quick("benchmarks.pictures")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checks passed" in done.stdout
    for row in ("board card", "heatmap", "recap card", "PictureService, 1 process", "on the loop"):
        assert row in done.stdout, done.stdout
