"""Helpers shared by the benchmarks: percentiles, memory, ports, reports (data locations: ``training.data``)."""

from __future__ import annotations

import json
import resource
import socket
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    """The ``q``-th percentile of ``seconds``, in milliseconds."""
    return float(np.percentile(np.asarray(seconds) * 1000, q))


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (``VmHWM``; unlike
    ``ru_maxrss`` it does not inherit the parent's peak), in MiB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_split_mb() -> dict[str, float]:
    """Resident memory now, split into anonymous (the process's own) and file-backed pages
    (memory-mapped index files: shared with the page cache, dropped under pressure), MiB."""
    values = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("RssAnon:", "RssFile:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {"anonymous_mb": values.get("RssAnon", float("nan")), "file_backed_mb": values.get("RssFile", float("nan"))}


def rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float) -> None:
    """Poll ``url`` until it answers; raise ``RuntimeError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not start in {timeout:.0f}s")


def report(result: object, path: Path | None, *, show: bool = True) -> None:
    """Print ``result`` as JSON and, when ``path`` is given, write it there too."""
    text = json.dumps(result, indent=2)
    if show:
        print(text)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def article_titles(index: Path, count: int) -> list[str]:
    """``count`` distinct article titles of ``index``, spread evenly over the archive."""
    from qa.store.snapshot import load_snapshot  # here, so importing this module stays light

    titles = list(dict.fromkeys(record.title for record in load_snapshot(index).manifest.articles))
    return titles[:: max(1, len(titles) // count)][:count]
