"""Embedding on Ray: Ray Data ``map_batches`` over encoder actors on a real local cluster
(``ray.init()``) and on a cluster started with ``ray start --head``, joined by address, by
``auto`` and through Ray Client (``ray://``);
the same vectors as the in-process path, the CLI flags, and bad input with clear errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import BBC_SAMPLE, SEEDS, run_qa

from bench.backends import bbc_passages
from qa.embedding.ray_cluster import RaySettings, actor_count, check_address, connected
from qa.embedding.ray_encoder import RayEncoder
from qa.errors import ClusterError, UsageError
from qa.store.snapshot import load_snapshot

BIN = Path(sys.executable).parent


# -- fast: no cluster --------------------------------------------------------------------------


def test_addresses_are_checked_before_anything_starts() -> None:
    assert check_address("local") is None and check_address("auto") is None
    assert check_address("ray://head.example:10001") == ("head.example", 10001)
    assert check_address("10.0.0.5:6379") == ("10.0.0.5", 6379)
    for bad in ("ray://", "http://head:10001", "head", "head:port", ""):
        with pytest.raises(UsageError, match="not a Ray address"):
            check_address(bad)
    with pytest.raises(UsageError, match="--ray-actors must be 1 or more"):
        RaySettings(actors=0)


class _FlakyClientHead:
    """Stands in for ``ray``: ``init`` fails ``failures`` times the way a head whose Ray
    Client server crashed on start answers (seen once under load in this suite)."""

    def __init__(
        self, failures: int, message: str = "Starting Ray client server failed. See ray_client_server_23000.err"
    ) -> None:
        self.failures, self.message, self.calls = failures, message, 0

    def init(self, address: str, **options: Any) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError(self.message)


def test_a_ray_client_server_that_failed_to_start_is_tried_once_more() -> None:
    from qa.embedding.ray_cluster import _init

    once = _FlakyClientHead(failures=1)
    _init(once, "ray://127.0.0.1:10001", {})
    assert once.calls == 2
    twice = _FlakyClientHead(failures=2)
    with pytest.raises(ConnectionError):  # a second failure is reported (as ClusterError by `connected`)
        _init(twice, "ray://127.0.0.1:10001", {})
    assert twice.calls == 2
    other = _FlakyClientHead(failures=1, message="connection refused")
    with pytest.raises(ConnectionError):  # other errors, and addresses without ray://, are not retried
        _init(other, "ray://127.0.0.1:10001", {})
    assert other.calls == 1
    plain = _FlakyClientHead(failures=1)
    with pytest.raises(ConnectionError):
        _init(plain, "127.0.0.1:6379", {})
    assert plain.calls == 1


def test_an_unreachable_head_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    done = run_qa("index", "--corpus", "corpus", "--index", "idx", "--ray", "127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == ClusterError.exit_code == 5, done.stderr
    assert "cannot reach the Ray cluster at 127.0.0.1:9" in done.stderr and "ray start --head" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "idx" / "CURRENT").exists()
    for args, message in (
        (("--ray", "http://head:1"), "--ray is not a Ray address"),
        (("--ray-actors", "2"), "go with --ray (QA_RAY): add --ray"),
        (("--ray-gpus",), "go with --ray (QA_RAY): add --ray"),
        (("--ray", "--ray-actors", "0"), "--ray-actors must be between 1 and"),
    ):
        done = run_qa("index", "--corpus", "corpus", "--index", "idx", *args, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    done = run_qa("index", "--corpus", "corpus", "--index", "idx", "--ray", cwd=tmp_path, env={"QA_RUNTIME": "torch"})
    assert done.returncode == 2 and "drop QA_RUNTIME=torch" in done.stderr


# -- the CLI, each command with its own cluster (before the shared one below exists) -----------


@pytest.mark.slow
def test_qa_index_add_remove_with_ray_build_the_in_process_index(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    done = run_qa("index", "--corpus", "corpus", "--index", "on-ray", "--ray", "--ray-actors", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "embedded on Ray (local) by 2 actors: 50 passages in" in done.stdout
    done = run_qa("index", "--corpus", "corpus", "--index", "in-process", cwd=tmp_path)
    assert done.returncode == 0 and "embedded on Ray" not in done.stdout
    ray_index, local_index = load_snapshot(tmp_path / "on-ray"), load_snapshot(tmp_path / "in-process")
    assert ray_index.manifest.encoder == local_index.manifest.encoder  # the same export is recorded
    assert ray_index.manifest.passage_count == local_index.manifest.passage_count
    assert float(np.min(np.sum(ray_index.vectors * local_index.vectors, axis=1))) >= 0.9999
    assert float(np.min(np.sum(ray_index.sentence_vectors * local_index.sentence_vectors, axis=1))) >= 0.9999
    question = "Who met Ajit Doval in Moscow?"
    answers = [
        json.loads(run_qa("ask", question, "--index", name, "--json", cwd=tmp_path).stdout)
        for name in ("on-ray", "in-process")
    ]
    assert answers[0]["text"] == answers[1]["text"] and answers[0]["found"]

    story = tmp_path / "story.txt"
    story.write_text(
        "Ray test story\n\nThe harbour bridge in Portvale reopened on Monday after two years of repairs.\n",
        encoding="utf-8",
    )
    # the pool size from the environment (README: QA_RAY_ACTORS); the index step above used the flag
    done = run_qa(
        "add",
        str(story),
        "--corpus",
        "corpus",
        "--index",
        "on-ray",
        "--index-now",
        "--ray",
        cwd=tmp_path,
        env={"QA_RAY_ACTORS": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout and "embedded on Ray (local) by 1 actor: 1 passage in" in done.stdout
    answer = json.loads(
        run_qa(
            "ask", "When did the Portvale harbour bridge reopen?", "--index", "on-ray", "--json", cwd=tmp_path
        ).stdout
    )
    assert answer["found"] and "Monday" in answer["text"]
    done = run_qa("remove", "story", "--corpus", "corpus", "--index", "on-ray", "--ray", cwd=tmp_path)
    assert done.returncode == 0 and "removed story" in done.stdout, done.stderr
    assert "embedded on Ray" not in done.stdout  # nothing new to embed: no cluster is started


@pytest.mark.slow
def test_qa_index_joins_a_running_cluster_by_address(tmp_path: Path) -> None:
    from bench.common import free_port

    shutil.copytree(SEEDS, tmp_path / "corpus")
    port, client_port = free_port(), free_port()
    ray_cli = str(BIN / "ray")
    started = subprocess.run(
        [
            ray_cli,
            "start",
            "--head",
            f"--port={port}",
            f"--ray-client-server-port={client_port}",
            "--num-cpus=2",
            "--include-dashboard=false",
            "--disable-usage-stats",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stderr
    try:
        # `ray start` turns on Ray's token authentication: a client without the token is refused, with the fix named
        done = run_qa(
            "index",
            "--corpus",
            "corpus",
            "--index",
            "idx",
            "--ray",
            f"127.0.0.1:{port}",
            cwd=tmp_path,
            env={"RAY_AUTH_MODE": ""},
        )
        assert done.returncode == 5 and "set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and not (tmp_path / "idx" / "CURRENT").exists()
        with_token = {
            "RAY_AUTH_MODE": "token"
        }  # the token itself is read from ~/.ray/auth_token, where `ray start` wrote it
        done = run_qa(
            "index", "--corpus", "corpus", "--index", "idx", "--ray", f"127.0.0.1:{port}", cwd=tmp_path, env=with_token
        )
        assert done.returncode == 0, done.stderr
        assert f"embedded on Ray (127.0.0.1:{port}) by 2 actors: 50 passages" in done.stdout
        # by the environment this time (README: QA_RAY)
        done = run_qa(
            "index", "--corpus", "corpus", "--index", "idx2", "--ray-actors", "1", cwd=tmp_path, env={"QA_RAY": "auto"}
        )
        assert done.returncode == 0 and "embedded on Ray (auto)" in done.stdout, done.stderr
        # Ray Client: the pipeline runs as one task inside the cluster
        client = f"ray://127.0.0.1:{client_port}"
        done = run_qa("index", "--corpus", "corpus", "--index", "idx3", "--ray", client, cwd=tmp_path, env=with_token)
        assert done.returncode == 0 and f"embedded on Ray ({client}) by 2 actors: 50 passages" in done.stdout, (
            done.stderr
        )
        for other in ("idx2", "idx3"):
            vectors = load_snapshot(tmp_path / other).vectors
            assert float(np.min(np.sum(vectors * load_snapshot(tmp_path / "idx").vectors, axis=1))) >= 0.9999
    finally:
        subprocess.run([ray_cli, "stop", "--force"], capture_output=True, timeout=120)
    done = run_qa("index", "--corpus", "corpus", "--index", "idx4", "--ray", "auto", cwd=tmp_path)
    assert done.returncode == 5 and "no Ray cluster runs on this machine" in done.stderr
    assert not (tmp_path / "idx4" / "CURRENT").exists()


# -- a local cluster, shared by the tests below ------------------------------------------------


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[Any]:
    """One real local Ray cluster (2 CPUs) for this module; ``connected`` uses it as it is."""
    import ray

    from qa.embedding.ray_cluster import import_ray

    import_ray()
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    except Exception:  # a head slow to start on a loaded machine (seen once in ray/_private/node.py): once more
        ray.shutdown()
        time.sleep(5)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize("actors", [1, 2])
def test_ray_actors_write_the_in_process_vectors(
    local_cluster: Any, real_encoder: Any, torch_encoder: Any, actors: int
) -> None:
    texts, spans = bbc_passages(real_encoder, 120, BBC_SAMPLE)
    assert len(texts) == 120
    encoder = RayEncoder(real_encoder, real_encoder.folder, RaySettings(actors=actors))
    seen: list[tuple[int, int]] = []
    vectors, sentences = encoder.encode_passages(texts, spans, progress=lambda done, total: seen.append((done, total)))
    assert (
        encoder.last_run is not None and encoder.last_run.actors == actors and encoder.last_run.passages == len(texts)
    )
    assert seen[-1] == (len(texts), len(texts)) and len(seen) >= actors * 2  # streamed back block by block
    for reference in (real_encoder, torch_encoder):  # the in-process export, and sentence-transformers
        want, want_sentences = reference.encode_passages(texts, spans)
        assert vectors.shape == want.shape and sentences.shape == want_sentences.shape
        assert float(np.min(np.sum(vectors * want, axis=1))) >= 0.9999
        assert float(np.min(np.sum(sentences * want_sentences, axis=1))) >= 0.9999


@pytest.mark.slow
def test_a_worker_with_a_damaged_export_fails_the_run_not_the_index(
    local_cluster: Any, real_encoder: Any, tmp_path: Path
) -> None:
    damaged = tmp_path / "export"
    shutil.copytree(real_encoder.folder, damaged)
    tokenizer = damaged / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8").replace('"[UNK]"', '"[UNKNOWN]"', 1), encoding="utf-8")
    encoder = RayEncoder(real_encoder, damaged, RaySettings(actors=1))
    with pytest.raises(ClusterError, match="the Ray encoder actors failed .*damaged.*qa\\[ray\\]"):
        encoder.encode_passages(["A passage."], [[(0, 10)]])


@pytest.mark.slow
def test_gpus_the_cluster_lacks_are_refused(local_cluster: Any) -> None:
    with connected(RaySettings(gpus=True)) as ray:
        with pytest.raises(ClusterError, match="has no GPU: drop --ray-gpus"):
            actor_count(ray, RaySettings(gpus=True))
        assert actor_count(ray, RaySettings()) == 2  # one per CPU by default
        assert actor_count(ray, RaySettings(actors=5)) == 5
