"""Side-by-side measurements: ours against the naive way, in one run on one machine."""
