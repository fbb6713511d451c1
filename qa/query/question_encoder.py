"""Which encoder embeds questions for an index: the very model export its vectors came from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qa.embedding import EXPORTS, EncoderSettings, load_encoder, open_export
from qa.embedding.encoder import TextEncoder
from qa.errors import IndexCorruptError, IndexIncompatibleError, ModelError
from qa.store.manifest import rebuild_hint
from qa.store.snapshot import IndexSnapshot

if TYPE_CHECKING:
    from qa.store.milvus.view import MilvusIndex


def index_encoder(index_dir: Path, snapshot: IndexSnapshot, settings: EncoderSettings) -> TextEncoder:
    """The encoder for questions to an index: the very model export its vectors came from.

    A missing, damaged or different export is refused with the command that re-creates it;
    questions are never embedded by something other than what the index recorded, except
    that ``QA_RUNTIME=torch`` runs the same model's weights in sentence-transformers.
    """
    recorded = snapshot.manifest.encoder
    runtime = recorded.get("runtime")
    if runtime == "onnx" and settings.backend != "torch":
        folder = index_dir / EXPORTS / str(recorded.get("folder"))
        try:
            encoder = open_export(folder, settings)
        except ModelError as error:
            raise IndexCorruptError(f"{error} (the index in {index_dir} was built with that export)") from None
        if encoder.export != recorded:
            raise IndexIncompatibleError(
                f"the model export in {folder} is not the one the index in {index_dir} was built with: "
                f"run `qa index --index {index_dir}` to re-embed with it"
            )
        return encoder
    if runtime in ("onnx", "torch"):
        return load_encoder(snapshot.manifest.model, EncoderSettings(backend="torch", batch_size=settings.batch_size))
    raise IndexIncompatibleError(
        f"the index in {index_dir} was built with the {runtime!r} encoder, which cannot embed questions: {rebuild_hint(index_dir)}"
    )


def collection_encoder(index: MilvusIndex, export_dir: Path, settings: EncoderSettings) -> TextEncoder:
    """The encoder for questions to a Milvus collection: the model export its vectors came
    from, made in ``export_dir`` on first use (a byte-identical export of the same model)."""
    recorded, model = index.manifest.encoder, index.manifest.model
    if recorded.get("runtime") == "onnx" and settings.backend != "torch":
        encoder = load_encoder(model, settings, export_dir)
        if encoder.export != recorded:
            raise IndexIncompatibleError(
                f"the model export in {export_dir / EXPORTS} differs from the one the {index.address} was built with "
                f"(another version of the model or of onnx?): rebuild it with `qa index --full --uri {index.address.uri}`, "
                "or set QA_RUNTIME=torch to embed questions with the same weights in sentence-transformers"
            )
        return encoder
    return load_encoder(model, EncoderSettings(backend="torch", batch_size=settings.batch_size))
