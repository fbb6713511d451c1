"""Where the Ray encoder actors run: a local cluster started for one command, or a running one.

``RaySettings.address`` is ``local`` (start a Ray cluster on this machine for this command
and stop it after), ``auto`` (join the cluster started here with ``ray start --head``),
``ray://HOST:10001`` (Ray Client) or ``HOST:6379`` (the head's GCS). A remote address is
checked with a plain TCP connection first, so an unreachable head is a one-line error
after 5 seconds, not a long retry loop inside Ray.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from qa.errors import ClusterError, UsageError

INSTALL_HINT = "pip install 'qa[ray]' (on this machine and on every node of the cluster)"
LOCAL = "local"
CONNECT_TIMEOUT_S = 5.0
_CLIENT_SERVER_FAILED = "Starting Ray client server failed"  # the head could not start a Ray Client server


@dataclass(frozen=True)
class RaySettings:
    """How the embedding step is spread: the cluster's address, the number of encoder
    actors (None: one per CPU of the cluster, or one per GPU with ``gpus``), and whether each
    actor takes a GPU."""

    address: str = LOCAL
    actors: int | None = None
    gpus: bool = False

    def __post_init__(self) -> None:
        check_address(self.address)
        if self.actors is not None and self.actors < 1:
            raise UsageError(f"--ray-actors must be 1 or more, not {self.actors}")


def check_address(address: str) -> tuple[str, int] | None:
    """The (host, port) a remote address names, None for ``local`` and ``auto``; a malformed
    address raises ``UsageError``."""
    if address in (LOCAL, "auto"):
        return None
    scheme_ok = "://" not in address or address.startswith("ray://")
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if scheme_ok and host and port:
        return host, port
    raise UsageError(
        f"--ray {address!r} is not a Ray address: use local (a cluster on this machine), auto "
        "(the one `ray start --head` runs here), ray://HOST:10001 or HOST:6379"
    )


def _reachable(host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        raise ClusterError(
            f"cannot reach the Ray cluster at {host}:{port} ({error.strerror or error}): start it "
            "(`ray start --head` on the head node), or check --ray"
        ) from None


def import_ray() -> Any:
    """The ``ray`` module with Ray Data, quiet; ``UsageError`` naming the extra when missing."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise UsageError(f"--ray needs Ray Data: {INSTALL_HINT}") from None
    for name in ("ray", "ray.data", "ray._private"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return ray


@contextlib.contextmanager
def connected(settings: RaySettings) -> Iterator[Any]:
    """Ray, initialised for ``settings.address`` for the length of the block (a cluster this
    started is stopped after; one already initialised in this process is used as it is)."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    remote = check_address(settings.address)
    if remote is not None:
        _reachable(*remote)
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if settings.address == LOCAL:
        options["num_cpus"] = os.cpu_count() or 1
    try:
        _init(ray, settings.address, options)
    except ConnectionError as error:
        if settings.address == "auto":
            raise ClusterError(
                "no Ray cluster runs on this machine for --ray auto to join: start one with `ray start --head`, "
                "or give --ray alone for a cluster of this command's own"
            ) from None
        raise ClusterError(
            f"cannot join the Ray cluster at {settings.address} ({error_line(error)}): if it uses token authentication "
            "(the default of `ray start` from Ray 2.59), set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (`ray get-auth-token` "
            "on the head prints it); else check --ray"
        ) from None
    except (RuntimeError, ValueError) as error:
        raise ClusterError(
            f"cannot start or join the Ray cluster at {settings.address} ({error_line(error)}): check --ray"
        ) from None
    try:
        yield ray
    finally:
        ray.shutdown()


def _init(ray: Any, address: str, options: dict[str, Any]) -> None:
    """``ray.init``, tried a second time when the head's Ray Client proxy could not start the
    server for this client (a transient crash of that server, seen under load here); each
    client gets a new server, so the second try usually joins."""
    try:
        ray.init(address=address, **options)
    except ConnectionError as error:
        if not (address.startswith("ray://") and _CLIENT_SERVER_FAILED in str(error)):
            raise
        time.sleep(1.0)
        ray.init(address=address, **options)


def error_line(error: BaseException) -> str:
    """One line of a Ray error for a message: the last line naming an error (a worker's
    exception inside Ray's wrapping), else the first line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    cause = [line for line in lines if "Error:" in line]
    return (cause[-1] if cause else lines[0] if lines else type(error).__name__)[:300]


def actor_count(ray: Any, settings: RaySettings) -> int:
    """How many encoder actors to start: as asked, else one per CPU (per GPU with ``gpus``)
    of the cluster; refuses GPUs the cluster does not have."""
    resources = ray.cluster_resources()
    if settings.gpus:
        gpus = int(resources.get("GPU", 0))
        if gpus < 1:
            raise ClusterError("the Ray cluster has no GPU: drop --ray-gpus, or add GPU nodes to the cluster")
        if settings.actors is not None and settings.actors > gpus:
            raise ClusterError(
                f"--ray-actors {settings.actors} needs {settings.actors} GPUs; the cluster has {gpus}: ask for {gpus} or fewer"
            )
        return settings.actors or gpus
    return settings.actors or max(1, int(resources.get("CPU", 1)))
