"""Text to vectors: the encoder protocol, the sentence-transformers encoder, a test encoder.

``load_encoder`` is the one place an encoder is chosen for a model name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.embedding.encoder import DEFAULT_MODEL, TextEncoder

__all__ = ["DEFAULT_MODEL", "EncoderSettings", "TextEncoder", "load_encoder"]


@dataclass(frozen=True)
class EncoderSettings:
    """How a model is run: the runtime (``torch`` or ``openvino``) and where exports are cached."""

    backend: str = "torch"
    cache_dir: Path = Path("~/.cache/qa")
    batch_size: int = 32


def load_encoder(model: str | None = None, settings: EncoderSettings | None = None) -> TextEncoder:
    """The encoder for ``model`` (None: the packaged all-MiniLM-L6-v2); loaded on first use."""
    from qa.embedding.sentence_transformer import SentenceTransformerEncoder

    settings = settings or EncoderSettings()
    return SentenceTransformerEncoder(
        model, batch_size=settings.batch_size, backend=settings.backend, cache_dir=settings.cache_dir
    )
