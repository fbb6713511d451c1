"""Small array helpers shared by the on-disk formats."""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Iterable

import numpy as np


def mapped(path: Path, *, random_access: bool = False) -> np.ndarray:
    """A read-only, memory-mapped ``.npy`` array, as a plain ndarray (slicing a ``memmap``
    object is several times slower). ``random_access`` turns off read-ahead, for arrays
    read a few scattered rows at a time (vectors of search candidates)."""
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    handle = getattr(array, "_mmap", None)
    if random_access and handle is not None and hasattr(mmap, "MADV_RANDOM"):
        handle.madvise(mmap.MADV_RANDOM)
    return np.asarray(array)


def offsets_from_lengths(lengths: Iterable[int] | np.ndarray) -> np.ndarray:
    """``[0, l0, l0 + l1, ...]``: where each of consecutive runs of ``lengths`` starts (int64)."""
    lengths = np.asarray(lengths if isinstance(lengths, np.ndarray) else list(lengths), dtype=np.int64)
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out
