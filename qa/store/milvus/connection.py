"""Open a Milvus client, with Milvus's failures turned into errors that name the fix."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa.errors import BackendError, IndexMissingError, UsageError
from qa.store.milvus.address import MilvusAddress

CONNECT_TIMEOUT_SECONDS = 10.0
# What Milvus servers answer to missing or wrong credentials (seen in milvus-io/milvus #37714, pymilvus #2206).
AUTH_FAILURES = (
    "auth check failure",
    "unauthenticated",
    "missing authorization",
    "invalid auth token",
    "permission denied",
)
INSTALL_HINT = "install the Milvus extra: pip install -e '.[milvus]' (or pip install 'qa[milvus]')"


def milvus_module() -> Any:
    """``pymilvus``, or a ``UsageError`` that says how to install it. Its own log lines
    (retries, iterator timestamps) are silenced: failures reach the user as ``BackendError``."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
            import pymilvus

            try:
                import milvus_lite  # noqa: F401  (imported here so its pkg_resources warning stays quiet)
            except ImportError:
                pass  # a server needs no Milvus Lite
    except ImportError:
        raise UsageError(f"the Milvus backend needs pymilvus and milvus-lite: {INSTALL_HINT}") from None
    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    return pymilvus


def connect(address: MilvusAddress, *, create: bool = True) -> Any:
    """A ``MilvusClient`` for ``address``; raises ``BackendError`` naming the fix. A missing
    Milvus Lite file is created only when ``create`` (a build), else ``IndexMissingError``."""
    pymilvus = milvus_module()
    if address.is_lite:
        path = Path(address.uri).expanduser()
        if path.suffix != ".db":
            raise UsageError(
                f"--uri {address.uri}: a Milvus Lite file must end in .db (e.g. ./milvus.db), or give a server as http://host:19530"
            )
        if not path.parent.resolve().is_dir():
            raise UsageError(
                f"--uri {address.uri}: the folder {path.parent} does not exist; create it or choose another path"
            )
        if not create and not path.exists():
            raise IndexMissingError(f"no index in {address}: build it with `qa index --uri {address.uri}`")
        uri = str(path.resolve())
    else:
        uri = address.uri
    try:
        client = pymilvus.MilvusClient(uri=uri, token=address.token or "", timeout=CONNECT_TIMEOUT_SECONDS)
        client.list_collections()
    except Exception as error:  # pymilvus raises MilvusException, grpc errors and ConnectionConfigException
        raise connection_error(address, error) from None
    return client


def connection_error(address: MilvusAddress, error: Exception) -> BackendError:
    """The user's view of a failure to reach or use ``address``."""
    text = str(error)
    lowered = text.lower()
    if address.is_lite and ("opened by another program" in lowered or "open local milvus failed" in lowered):
        return BackendError(
            f"the Milvus Lite file {address.uri} is open in another process (a running `qa serve` or `qa index`?): "
            "stop that process first; to share one collection between processes, run a Milvus server and use --uri http://host:19530"
        )
    if any(words in lowered for words in AUTH_FAILURES):
        return BackendError(
            f"Milvus at {address.uri} refused the credentials: check --token (or QA_MILVUS_TOKEN), e.g. user:password"
        )
    if address.is_lite:
        return BackendError(
            f"cannot open the Milvus Lite file {address.uri} ({_first_line(text)}): check the path, or delete a damaged file and run `qa index` again"
        )
    return BackendError(
        f"cannot reach Milvus at {address.uri} ({_first_line(text)}): start the server, or check --uri (e.g. http://localhost:19530)"
    )


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no details"
    return line[:300]


@contextmanager
def milvus_errors(address: MilvusAddress) -> Iterator[None]:
    """Turn pymilvus's and gRPC's exceptions raised inside into ``BackendError``."""
    try:
        yield
    except Exception as error:
        if type(error).__module__.split(".")[0] in ("pymilvus", "grpc", "milvus_lite"):
            raise connection_error(address, error) from None
        raise
