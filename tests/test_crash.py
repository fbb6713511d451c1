"""Real SIGKILLs inside real rebuilds (model-free encoder), at every named point of the write
path: the index left behind always loads, passes its checksums and answers, and it is the
previous generation until the swap, the new one after it."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from bench.crash_drill import run_drill
from qa.store.faults import POINTS

pytestmark = pytest.mark.slow


def test_a_kill_at_every_point_of_the_write_path_never_breaks_the_index() -> None:
    result = run_drill(SEEDS, articles=5, rounds=5, seed=1)
    assert result.failures == 0
    assert result.hits == {point: 5 for point in POINTS}  # every point was really reached, 5 times
    assert result.loads_ok == result.searches_ok == 5 * len(POINTS)
    assert result.new_generation_served == 5 * 2 and result.old_generation_served == 5 * (len(POINTS) - 2)
