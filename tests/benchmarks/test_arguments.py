"""The benchmarks' command-line values: bad ones are refused in one line."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.arguments import at_least, server_counts

pytestmark = pytest.mark.bench


def test_whole_numbers_at_least_the_minimum():
    parse = at_least(1)
    assert parse("600") == 600
    assert parse("1_000_000") == 1_000_000
    assert parse("1,000") == 1000


@pytest.mark.parametrize(
    ("text", "says"),
    [("0", "0 is too small"), ("x", "'x' is not a whole number"), ("1.5", "not")],
)
def test_other_numbers_are_refused(text, says):
    with pytest.raises(argparse.ArgumentTypeError, match=says):
        at_least(1)(text)


def test_server_counts_are_sorted_and_deduplicated():
    assert server_counts("10000,2500,2500") == [2500, 10000]


@pytest.mark.parametrize("text", [",", "2500,abc", "0,10"])
def test_bad_server_counts_are_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="expected"):
        server_counts(text)
