"""Where a Milvus collection lives: a URI (a Milvus Lite file or a server), a token, a name."""

from __future__ import annotations

import re
from dataclasses import dataclass

SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://", "unix:")
DEFAULT_COLLECTION = "qa"
DEFAULT_LITE_FILE = "milvus.db"
_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


def check_collection_name(name: str) -> str:
    """``name`` if Milvus accepts it as a collection name (letters, digits, underscores)."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise ValueError(f"must start with a letter or underscore and hold only letters, digits and underscores, not {name!r}")
    return name


@dataclass(frozen=True)
class MilvusAddress:
    """A collection on a Milvus server (``http://host:19530``) or in a Milvus Lite file (``./milvus.db``)."""

    uri: str = DEFAULT_LITE_FILE
    token: str | None = None
    collection: str = DEFAULT_COLLECTION

    @property
    def is_lite(self) -> bool:
        """Whether the URI names a Milvus Lite file rather than a server."""
        return not self.uri.startswith(SERVER_SCHEMES)

    def __str__(self) -> str:
        return f"collection {self.collection!r} at {self.uri}"  # never the token
