"""Small array helpers shared by the on-disk formats."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np


def mapped(path: Path) -> np.ndarray:
    """A read-only, memory-mapped ``.npy`` array, as a plain ndarray (slicing a ``memmap``
    object is several times slower)."""
    return np.asarray(np.load(path, mmap_mode="r", allow_pickle=False))


def offsets_from_lengths(lengths: Iterable[int] | np.ndarray) -> np.ndarray:
    """``[0, l0, l0 + l1, ...]``: where each of consecutive runs of ``lengths`` starts (int64)."""
    lengths = np.asarray(lengths if isinstance(lengths, np.ndarray) else list(lengths), dtype=np.int64)
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out
