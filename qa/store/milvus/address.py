"""Where a Milvus collection lives: a URI (a Milvus Lite file or a server), a token, a name;
and where any index lives (``parse_location``): a folder, or a collection written
``milvus:<uri>[#<collection>]``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qa.errors import UsageError

SERVER_SCHEMES = ("http://", "https://", "tcp://", "grpc://", "unix:")
DEFAULT_COLLECTION = "qa"
DEFAULT_LITE_FILE = "milvus.db"
LOCATION_SCHEME = "milvus:"
_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


def check_collection_name(name: str) -> str:
    """``name`` if Milvus accepts it as a collection name (letters, digits, underscores)."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise ValueError(
            f"must start with a letter or underscore and hold only letters, digits and underscores, not {name!r}"
        )
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

    @property
    def location(self) -> str:
        """The address as ``parse_location`` reads it, e.g. ``milvus:./milvus.db#qa`` (never the token)."""
        return f"{LOCATION_SCHEME}{self.uri}#{self.collection}"

    def __str__(self) -> str:
        return f"collection {self.collection!r} at {self.uri}"  # never the token


Location = str | Path | MilvusAddress  # what Library, Retriever.load and open_store accept


def parse_location(location: Location) -> Path | MilvusAddress:
    """A folder, or the Milvus collection that ``location`` names: a ``MilvusAddress``, or
    ``milvus:<uri>[#<collection>]`` (``milvus:./milvus.db``, ``milvus:http://host:19530#news``;
    ``milvus://host:19530`` is short for ``milvus:http://host:19530``). The token of a
    server that needs one is given as ``MilvusAddress(uri, token, collection)``."""
    if isinstance(location, (Path, MilvusAddress)):
        return location
    if not location.startswith(LOCATION_SCHEME):
        return Path(location)
    rest = location[len(LOCATION_SCHEME) :]
    uri, marked, collection = rest.rpartition("#")
    if not marked:
        uri, collection = rest, DEFAULT_COLLECTION
    if uri.startswith("//"):
        uri = "http:" + uri
    if not uri:
        raise UsageError(
            f"{location!r} names no Milvus URI: write milvus:./milvus.db or milvus:http://host:19530, optionally #collection"
        )
    try:
        return MilvusAddress(uri, None, check_collection_name(collection))
    except ValueError as error:
        raise UsageError(f"the collection in {location!r} {error}: e.g. milvus:{uri}#news") from None
