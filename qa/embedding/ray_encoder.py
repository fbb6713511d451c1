"""The embedding step spread over a Ray cluster: a Ray Data ``map_batches`` over a pool of
encoder actors, each running the index's own ONNX export (no torch on the workers).

The driver sorts the passages by length (as the in-process path does, so a batch pads
little), cuts them into blocks, and streams the results back into place by row number; the
export's files travel through Ray's object store, so the workers need the ``qa`` package
but not the index folder. Each actor takes one CPU and runs one ONNX Runtime thread, or one
GPU with ``--ray-gpus`` (ONNX Runtime's CUDA provider, from ``onnxruntime-gpu``). Questions
are still embedded in this process, by the same export: the vectors agree with the
in-process path's to cosine 0.9999 (tests/test_ray.py).
"""

from __future__ import annotations

import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.encoder import DelegatingEncoder, TextEncoder
from qa.embedding.ray_cluster import RaySettings, actor_count, connected, error_line
from qa.errors import ClusterError, QAError
from qa.types import ProgressFn

BLOCK_ROWS = 256  # at most this many passages per Ray Data block (one actor call)
BLOCKS_PER_ACTOR = 4  # at least this many blocks per actor, so the longest ones do not end up on one actor


@dataclass(frozen=True)
class RayRun:
    """What the last spread embedding did: how many actors, passages and seconds."""

    actors: int
    passages: int
    seconds: float


class PassageEncoderActor:
    """One Ray actor: the export, written from the object store into a temporary folder,
    loaded, and applied to blocks of passages (passage and sentence vectors, one pass)."""

    def __init__(self, export_files: list[Any], runtime: str, batch_size: int, device: str) -> None:
        import ray

        files: dict[str, bytes] = ray.get(export_files[0])
        folder = Path(tempfile.mkdtemp(prefix="qa-export-"))
        try:
            for name, data in files.items():
                (folder / name).write_bytes(data)
            from qa.embedding.onnx_encoder import OnnxEncoder

            self.encoder = OnnxEncoder(folder, runtime=runtime, batch_size=batch_size, threads=1, device=device)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(text) for text in batch["text"]]
        spans = [list(zip(starts.tolist(), ends.tolist())) for starts, ends in zip(batch["starts"], batch["ends"])]
        passages, sentences = self.encoder.encode_passages(texts, spans)
        bounds = np.cumsum([0] + [len(s) for s in spans])
        per_row = np.empty(len(texts), dtype=object)
        for row in range(len(texts)):
            per_row[row] = sentences[bounds[row] : bounds[row + 1]].tobytes()
        return {"row": batch["row"], "vector": passages, "sentences": per_row}


def _blocks(
    texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], order: list[int], actors: int
) -> list[Any]:
    """Arrow tables of passages in ``order``: ``BLOCKS_PER_ACTOR`` per actor or more, each at
    most ``BLOCK_ROWS`` passages."""
    import pyarrow as pa

    size = max(1, min(BLOCK_ROWS, -(-len(order) // (actors * BLOCKS_PER_ACTOR))))
    tables = []
    for first in range(0, len(order), size):
        rows = order[first : first + size]
        tables.append(
            pa.table(
                {
                    "row": pa.array(rows, pa.int64()),
                    "text": pa.array([texts[r] for r in rows], pa.string()),
                    "starts": pa.array([[a for a, _ in spans[r]] for r in rows], pa.list_(pa.int32())),
                    "ends": pa.array([[b for _, b in spans[r]] for r in rows], pa.list_(pa.int32())),
                }
            )
        )
    return tables


@dataclass(frozen=True)
class ActorOptions:
    """What each encoder actor runs: the runtime, its batch size, and CPU or GPU."""

    runtime: str = "onnx"
    batch_size: int = 32
    gpus: bool = False


def run_pipeline(
    blocks: list[Any],
    actors: int,
    export_files: dict[str, bytes],
    options: ActorOptions,
    dimension: int,
    progress: ProgressFn | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The Ray Data pipeline in the Ray session of this process: ``blocks`` mapped by a fixed
    pool of encoder actors; returns passage and sentence vectors in row order."""
    import ray

    count = sum(block.num_rows for block in blocks)
    counts = np.zeros(count, dtype=np.int64)
    for block in blocks:
        counts[block.column("row").to_numpy()] = [len(starts) for starts in block.column("starts").to_pylist()]
    offsets = np.concatenate([[0], np.cumsum(counts)])
    passages = np.zeros((count, dimension), dtype=np.float32)
    sentences = np.zeros((int(offsets[-1]), dimension), dtype=np.float32)
    export_ref = ray.put(export_files)
    with warnings.catch_warnings():  # max_restarts has no named parameter yet (Ray < 2.64)
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = ray.data.from_arrow(blocks).map_batches(
            PassageEncoderActor,
            fn_constructor_args=([export_ref], options.runtime, options.batch_size, "cuda" if options.gpus else "cpu"),
            batch_size=None,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=0 if options.gpus else 1,
            num_gpus=1 if options.gpus else 0,
            max_restarts=0,  # a failed actor fails the run (the index is left as it was)
        )
    done = 0
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for row, vector, packed in zip(batch["row"], batch["vector"], batch["sentences"]):
            passages[row] = vector
            sentences[offsets[row] : offsets[row + 1]] = np.frombuffer(packed, dtype=np.float32).reshape(-1, dimension)
        done += len(batch["row"])
        if progress is not None:
            progress(done, count)
    return passages, sentences


class RayEncoder(DelegatingEncoder):
    """The export for questions and everything else; ``encode_passages`` runs on Ray actors.

    Through Ray Client (``ray://``) the pipeline itself runs as one task inside the cluster
    (Ray Data cannot drive a pipeline from a client process), so progress is reported once,
    at the end."""

    def __init__(
        self, export: TextEncoder, folder: Path, settings: RaySettings, *, runtime: str = "onnx", batch_size: int = 32
    ) -> None:
        self.name = export.name
        self._export = export
        self._folder = Path(folder)
        self.settings = settings
        self._options = ActorOptions(runtime=runtime, batch_size=batch_size, gpus=settings.gpus)
        self.last_run: RayRun | None = None

    def _target(self) -> TextEncoder:
        return self._export

    def _export_files(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(self._folder.iterdir()) if path.is_file()}

    def encode_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *, progress: ProgressFn | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Passage vectors and sentence vectors, as ``OnnxEncoder.encode_passages``, computed by
        the actors. A failed actor raises ``ClusterError``; nothing is written in that case."""
        if not texts:
            return self._export.encode_passages(texts, spans, progress=progress)
        started = time.perf_counter()
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        with connected(self.settings) as ray:
            actors = actor_count(ray, self.settings)
            blocks = _blocks(texts, spans, order, actors)
            try:
                if self.settings.address.startswith("ray://"):
                    task = ray.remote(num_cpus=0)(run_pipeline)
                    with warnings.catch_warnings():  # the export (90 MB) is sent once, on purpose
                        warnings.filterwarnings("ignore", message="More than 10MB of messages")
                        export = ray.put(self._export_files())
                        passages, sentences = ray.get(
                            task.remote(blocks, actors, export, self._options, self.dimension)
                        )
                    if progress is not None:
                        progress(len(texts), len(texts))
                else:
                    passages, sentences = run_pipeline(
                        blocks, actors, self._export_files(), self._options, self.dimension, progress
                    )
            except QAError:
                raise
            except Exception as error:  # a worker's failure arrives as Ray's own exception types
                raise ClusterError(
                    f"the Ray encoder actors failed ({error_line(error)}): check that every node has "
                    "`pip install 'qa[ray]'` and the same qa version; the index was not changed"
                ) from None
        self.last_run = RayRun(actors=actors, passages=len(texts), seconds=time.perf_counter() - started)
        return passages, sentences
