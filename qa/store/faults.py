"""Named points in the write path where a crash drill can kill the process on purpose.

``generations.write_generation`` calls ``reached(name)`` after each file it writes, around
the fsyncs, around the ``CURRENT`` swap and while removing old generations;
``milvus.writer.MilvusWriter.publish`` after each step of a Milvus generation. Nothing
happens unless a drill armed that point in this process (``arm``): then the process
SIGKILLs itself there, exactly as a power cut or ``kill -9`` would end it.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "written-passages",
    "written-vectors",
    "written-sentences",
    "written-faiss",
    "written-bm25",
    "before-fsync",
    "after-fsync",
    "before-swap",
    "after-swap",
    "pruning",
)
MILVUS_POINTS = (  # qa.store.milvus.writer
    "milvus-inserted-passages",
    "milvus-inserted-sentences",
    "milvus-inserted-meta",
    "milvus-retired",
    "milvus-before-switch",
    "milvus-after-switch",
    "milvus-pruning",
)
_armed: str | None = None


def arm(point: str) -> None:
    """Kill this process when the write path reaches ``point`` (one of ``POINTS`` or ``MILVUS_POINTS``)."""
    global _armed
    if point not in POINTS + MILVUS_POINTS:
        raise ValueError(f"unknown fault point {point!r}: use one of {', '.join(POINTS + MILVUS_POINTS)}")
    _armed = point


def reached(point: str) -> None:
    """Called by the write path at ``point``: SIGKILL this process if that point is armed."""
    if _armed == point:
        os.kill(os.getpid(), signal.SIGKILL)
