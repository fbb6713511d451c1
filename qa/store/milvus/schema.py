"""The three collections of one index in Milvus, and how they are created.

``<name>`` holds one row per passage version: its id, article, exact span and sentence
spans, its text, the text BM25 reads (``search_text``, analysed by Milvus's English
analyzer into the ``sparse`` field by Milvus's own BM25 function), its dense vector, and
the generations that made (``born``) and retired (``dead``) it. A reader of generation
``g`` sees the rows with ``born <= g < dead``, so a new generation is written beside the
served one and made visible by one write: the ``state`` row of ``<name>_meta``.

``<name>_sentences`` holds each passage's late-pooled sentence vectors (id =
``passage_id * MAX_SENTENCES + position``), read only for the passages an answer looks at.
``<name>_meta`` holds the state row, the article records and the BM25 document
frequencies of each generation (the answer model weighs question words by them).
"""

from __future__ import annotations

from typing import Any

from qa.store.milvus.address import MilvusAddress

NEVER = 2**62  # "dead" of a row no generation has retired
MAX_SENTENCES = 4096
MAX_TEXT = 65535  # Milvus's longest VARCHAR
META_DIMENSION = 2  # Milvus wants a vector field in every collection; the meta rows carry a dummy one
STATE_KEY = "state"
PASSAGE_FIELDS = ("id", "article_id", "start", "end", "sentences", "text", "search_text", "dense", "born", "dead")


def names(address: MilvusAddress) -> tuple[str, str, str]:
    """The passage, sentence and meta collection names."""
    return address.collection, f"{address.collection}_sentences", f"{address.collection}_meta"


def dense_index_type(address: MilvusAddress) -> str:
    """Exact search (FLAT) on Milvus Lite, Milvus's own choice (AUTOINDEX) on a server."""
    return "FLAT" if address.is_lite else "AUTOINDEX"


def create_collections(client: Any, address: MilvusAddress, dimension: int) -> None:
    """Create whichever of the three collections is missing."""
    from pymilvus import DataType, Function, FunctionType

    passages, sentences, meta = names(address)
    existing = set(client.list_collections())
    if passages not in existing:
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("article_id", DataType.VARCHAR, max_length=1024)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("sentences", DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field(
            "search_text",
            DataType.VARCHAR,
            max_length=MAX_TEXT,
            enable_analyzer=True,
            analyzer_params={"type": "english"},
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_field("born", DataType.INT64)
        schema.add_field("dead", DataType.INT64)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["search_text"],
                output_field_names=["sparse"],
            )
        )
        index = client.prepare_index_params()
        index.add_index(field_name="dense", index_type=dense_index_type(address), metric_type="COSINE")
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
        client.create_collection(passages, schema=schema, index_params=index, consistency_level="Strong")
    if sentences not in existing:
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("passage_id", DataType.INT64)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        index = client.prepare_index_params()
        index.add_index(field_name="vector", index_type=dense_index_type(address), metric_type="COSINE")
        client.create_collection(sentences, schema=schema, index_params=index, consistency_level="Strong")
    if meta not in existing:
        schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=2048)
        schema.add_field("kind", DataType.VARCHAR, max_length=16)
        schema.add_field("born", DataType.INT64)
        schema.add_field("dead", DataType.INT64)
        schema.add_field("body", DataType.VARCHAR, max_length=MAX_TEXT)
        schema.add_field("slot", DataType.FLOAT_VECTOR, dim=META_DIMENSION)
        index = client.prepare_index_params()
        index.add_index(field_name="slot", index_type="FLAT", metric_type="L2")
        client.create_collection(meta, schema=schema, index_params=index, consistency_level="Strong")


def visible(generation: int) -> str:
    """The filter of the rows a reader of ``generation`` sees."""
    return f"born <= {generation} and dead > {generation}"


def quoted(text: str) -> str:
    """``text`` as a string literal of a Milvus filter expression."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def one_of(field: str, values: list[int] | list[str]) -> str:
    """The filter ``field in [values]`` (Milvus Lite has no filter templates)."""
    items = ", ".join(quoted(v) if isinstance(v, str) else str(int(v)) for v in values)
    return f"{field} in [{items}]"
