"""Real SIGKILLs of real rebuilds (model-free encoder): the index left behind always loads and answers."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from bench.crash_drill import run_drill

pytestmark = pytest.mark.slow


def test_kill_9_at_random_moments_never_breaks_the_index() -> None:
    result = run_drill(SEEDS, articles=5, runs=8, seed=1)
    assert result.failures == 0
    assert result.loads_ok == result.searches_ok == result.runs
    assert result.killed > 0  # the drill really interrupted rebuilds
