"""Hundreds of ``qa`` invocations with bad flag and environment values, in process.

Each must end with its documented exit code and a one-line message that names the flag
or variable (or the file) at fault, and never with a traceback or the internal-error code
70. Valid values are mixed in, pointed at a missing index or corpus, so that a command
which accepts them ends with the index or corpus error instead of doing real work.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qa.app.cli import EXIT_INTERNAL, build_parser, main, resolve_settings
from qa.settings import Settings

BAD_WHOLE_NUMBERS = ["abc", "-1", "0", "", " ", "1e3", "3.5", "0x10", "99999999999999999999", "١٢", "5;rm -rf /", "nan"]
BAD_FRACTIONS = ["abc", "-0.1", "1.5", "nan", "inf", "-inf", " ", "1e9", "0,5", "½"]
BAD_TEXT = ["", "   ", "\t\n", "a\x00b"]


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    expected: int
    names: str = ""  # what the message must mention
    env: dict[str, str] = field(default_factory=dict)


def _cases(tmp: Path) -> list[Case]:
    missing_index = str(tmp / "no-index")
    missing_corpus = str(tmp / "no-corpus")
    a_file = tmp / "a-file.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    binary_corpus = tmp / "binary-corpus"
    binary_corpus.mkdir()
    (binary_corpus / "x.txt").write_bytes(b"\x00\x01\x02")
    bad_questions = tmp / "bad.jsonl"
    bad_questions.write_text('{"question": 3}\n', encoding="utf-8")
    not_json = tmp / "not.jsonl"
    not_json.write_text("{oops\n", encoding="utf-8")
    empty_dir = tmp / "empty-dir"
    empty_dir.mkdir()
    ask = ("ask", "Who is India's National Security Adviser?", "--index", missing_index)
    cases: list[Case] = []
    for value in BAD_WHOLE_NUMBERS:
        cases.append(Case((*ask, "-k", value), 2, "-k"))
        cases.append(Case(("serve", "--index", missing_index, "--port", value), 2, "--port"))
        cases.append(
            Case(
                ("index", "--corpus", missing_corpus, "--index", missing_index, "--max-tokens", value),
                2,
                "--max-tokens",
            )
        )
        cases.append(Case(("eval", str(bad_questions), "--max-tokens", value), 2, "--max-tokens"))
        if value.strip():  # an empty variable counts as unset
            cases.append(Case(("serve", "--index", missing_index), 2, "QA_PORT", {"QA_PORT": value}))
            cases.append(Case(ask, 2, "QA_NPROBE", {"QA_NPROBE": value}))
            cases.append(Case(ask, 2, "QA_EF_SEARCH", {"QA_EF_SEARCH": value}))
        else:
            cases.append(Case(ask, 3, "no index", {"QA_NPROBE": value, "QA_EF_SEARCH": value}))
        # A variable that only another command reads never stops this one (QA_PORT for ask).
        cases.append(Case(ask, 3, "no index", {"QA_PORT": value, "QA_AUTH": value, "QA_ADMIN": value}))
    for value in ("65536", "99999", "-80", "7860.0", "８０", "1_000_000"):
        cases.append(Case(("serve", "--index", missing_index, "--port", value), 2, "--port"))
    for value in ("100000000", "1001", "-5", "999999999999999999999999", "10**9", "+inf"):
        cases.append(Case((*ask, "-k", value), 2, "-k"))
    for value in BAD_FRACTIONS:
        expected = 2 if value.strip() else 3
        cases.append(
            Case(ask, expected, "QA_MIN_CONFIDENCE" if expected == 2 else "no index", {"QA_MIN_CONFIDENCE": value})
        )
        cases.append(
            Case(
                ("eval", str(bad_questions)),
                2,
                "QA_MIN_CONFIDENCE" if expected == 2 else "bad.jsonl:1",
                {"QA_MIN_CONFIDENCE": value},
            )
        )
    for value in ("tensorrt", "TORCH", "onnxruntime", "1", "ONNX"):
        cases.append(Case(ask, 2, "QA_RUNTIME", {"QA_RUNTIME": value}))
        cases.append(
            Case(
                ("index", "--corpus", missing_corpus, "--index", missing_index), 2, "QA_RUNTIME", {"QA_RUNTIME": value}
            )
        )
        cases.append(Case(ask, 2, "QA_BACKEND", {"QA_BACKEND": value}))  # the former name, deprecated
    for value in ("faiss", "MILVUS", "", "local "):
        expected = 3 if value == "local " else 2
        cases.append(Case((*ask, "--store", value), expected, "--store" if expected == 2 else "no index"))
        cases.append(Case((*ask, "--backend", value), expected, "--backend"))  # the former name, deprecated
    for value in ("maybe", "2", "y e s"):
        cases.append(Case(("serve", "--index", missing_index), 2, "QA_ADMIN", {"QA_ADMIN": value}))
    # Ray's variables (README "Ray"): refused before any cluster starts.
    build = ("index", "--corpus", missing_corpus, "--index", missing_index)
    for value in ("0", "-1", "abc", "1.5", "１"):
        cases.append(Case(build, 2, "QA_RAY_ACTORS", {"QA_RAY": "local", "QA_RAY_ACTORS": value}))
    for value in ("http://head:10001", "head:port", "ray://", "head"):
        cases.append(Case(build, 2, "QA_RAY is not a Ray address", {"QA_RAY": value}))
    cases.append(Case(build, 2, "QA_RAY_GPUS", {"QA_RAY": "local", "QA_RAY_GPUS": "maybe"}))
    cases.append(Case(build, 2, "go with --ray", {"QA_RAY_ACTORS": "2"}))
    for value in ("nocolon", ":password", "user:", ":"):
        cases.append(Case(("serve", "--index", missing_index, "--auth", value), 2, "--auth"))
        cases.append(Case(("serve", "--index", missing_index), 2, "QA_AUTH", {"QA_AUTH": value}))
    for value in ("fastest", "IVF", "", "hnsw2"):
        cases.append(
            Case(
                ("index", "--corpus", missing_corpus, "--index", missing_index, "--vector-index", value),
                2,
                "--vector-index",
            )
        )
    for value in ("sparse", "HYBRID", "", "dense,bm25"):
        cases.append(Case((*ask, "--mode", value), 2, "--mode"))
    for value in ("foo", "", ",", "hybrid,foo", "dense;bm25"):
        cases.append(Case(("eval", str(bad_questions), "--modes", value), 2, "--modes"))
    for value in BAD_TEXT:
        cases.append(Case((*ask[:2], "--index", value), 2, "--index"))
        cases.append(Case(("index", "--corpus", value, "--index", missing_index), 2, "--corpus"))
        cases.append(
            Case(("index", "--corpus", missing_corpus, "--index", missing_index, "--model", value), 2, "--model")
        )
        cases.append(
            Case(
                ("ask", value, "--index", missing_index),
                2 if not value.strip() else 3,
                "question" if not value.strip() else "no index",
            )
        )
        if "\x00" not in value:  # an environment cannot hold NUL; a blank variable counts as unset
            cases.append(Case(ask[:2], 3, "no index in embeddings", {"QA_INDEX": value}))
            cases.append(
                Case(("index", "--index", missing_index), 4, "no usable article in corpus", {"QA_CORPUS": value})
            )
            cases.append(
                Case(
                    ("index", "--corpus", missing_corpus, "--index", missing_index),
                    4,
                    "no usable article",
                    {"QA_MODEL": value},
                )
            )
    cases.append(Case(("ask", "x" * 10_000, "--index", missing_index), 2, "characters long"))
    # Missing, wrong-kind and unwritable paths: the index or corpus error, with its fix.
    cases += [
        Case(ask, 3, "qa index"),
        Case((*ask[:2], "--index", str(a_file)), 3, "qa index"),
        Case((*ask[:2], "--index", "/proc/forbidden"), 3, "qa index"),
        Case(("index", "--corpus", missing_corpus, "--index", missing_index), 4, "no usable article"),
        Case(("index", "--corpus", str(a_file), "--index", missing_index), 4, "no usable article"),
        Case(("index", "--corpus", str(binary_corpus), "--index", missing_index), 4, "binary file"),
        Case(("index", "--corpus", str(empty_dir), "--index", "/proc/forbidden"), 3, "--index"),
        Case(("index", "--corpus", str(empty_dir), "--index", str(a_file)), 3, "--index"),
        Case(("add", str(tmp / "missing.txt"), "--corpus", str(tmp / "c1")), 4, "no such file"),
        Case(("add", str(empty_dir), "--corpus", str(tmp / "c2")), 4, "not a file"),
        Case(("add", str(a_file), "--corpus", "/proc/forbidden"), 4, "--corpus"),
        Case(("add", str(not_json.with_suffix(".pdf")), "--corpus", str(tmp / "c3")), 4, "not.pdf"),
        Case(("remove", "no-such-article", "--corpus", str(empty_dir), "--index", missing_index), 2, "no-such-article"),
        Case(("remove", "../../etc/passwd", "--corpus", str(empty_dir), "--index", missing_index), 2, "etc/passwd"),
        Case(("eval", str(tmp / "missing.jsonl")), 2, "neither"),
        Case(("eval", str(bad_questions)), 2, "bad.jsonl:1"),
        Case(("eval", str(not_json)), 2, "not valid JSON"),
        Case(("eval", str(empty_dir)), 2, "corpus.jsonl is missing"),
        Case(("eval", str(empty_dir), "--split", "dev"), 2, "BEIR folder"),
    ]
    # Usage errors from the parser itself.
    cases += [
        Case((), 2, "required"),
        Case(("frobnicate",), 2, "invalid choice"),
        Case(("ask",), 2, "question"),
        Case(("add",), 2, "files"),
        Case(("ask", "q", "--no-such-flag"), 2, "--no-such-flag"),
        Case(("ask", "q", "-k"), 2, "-k"),
        Case(("index", "--full=yes"), 2, "--full"),
        Case(("serve", "--admin=1"), 2, "--admin"),
    ]
    return cases


def test_bad_values_end_in_a_clear_message_and_the_documented_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    cases = _cases(tmp_path)
    assert len(cases) >= 200
    failures = []
    for case in cases:
        for name in [n for n in os.environ if n.startswith("QA_")]:
            monkeypatch.delenv(name)
        for name, value in case.env.items():
            monkeypatch.setenv(name, value)
        code = main(list(case.argv))
        out, err = capsys.readouterr()
        problems = []
        if code != case.expected:
            problems.append(f"exit {code}, expected {case.expected}")
        if code == EXIT_INTERNAL or "Traceback" in out + err:
            problems.append("internal error")
        if case.names and case.names not in err:
            problems.append(f"message does not mention {case.names!r}")
        if len(err.strip().splitlines()) > 3:
            problems.append("more than a short message")
        if problems:
            failures.append({"argv": case.argv, "env": case.env, "problems": problems, "stderr": err[-400:]})
    assert not failures, (
        json.dumps(failures[:10], indent=1, ensure_ascii=False) + f"\n... {len(failures)} failures in all"
    )


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--help"],
        ["ask", "--help"],
        ["index", "--help"],
        ["serve", "--help"],
        ["eval", "--help"],
        ["remove", "--help"],
    ):
        assert main(argv) == 0
        assert "usage: qa" in capsys.readouterr().out


def test_store_and_runtime_have_their_own_names(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["ask", "q", "--store", "milvus"])
    assert resolve_settings(args).store == "milvus"
    settings = Settings.resolve(environ={"QA_RUNTIME": "torch"}, only=["runtime"])
    assert settings.runtime == "torch" and settings.encoder_settings().backend == "torch"
    assert capsys.readouterr().err == ""
    main(["ask", "--help"])
    assert "--store" in capsys.readouterr().out


def test_the_former_names_still_work_for_one_release_with_a_deprecation_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["ask", "q", "--backend", "milvus"])
    assert resolve_settings(args).store == "milvus"
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "qa: --backend is deprecated and will be removed in the next release: use --store instead (same values)"
    ]
    settings = Settings.resolve(environ={"QA_BACKEND": "torch"}, only=["runtime"])
    assert settings.runtime == "torch" and settings.encoder_settings().backend == "torch"
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "qa: QA_BACKEND is deprecated and will be removed in the next release: use QA_RUNTIME instead (same values)"
    ]
    # The new name wins over the old one, which is still reported.
    args = build_parser().parse_args(["ask", "q", "--store", "local", "--backend", "milvus"])
    assert resolve_settings(args).store == "local" and "--backend is deprecated" in capsys.readouterr().err
    settings = Settings.resolve(environ={"QA_RUNTIME": "openvino", "QA_BACKEND": "torch"}, only=["runtime"])
    assert settings.runtime == "openvino" and "QA_BACKEND is deprecated" in capsys.readouterr().err
    # A whole command: the deprecation line, then the command's own outcome.
    for name in [n for n in os.environ if n.startswith("QA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("QA_BACKEND", "onnx")
    assert main(["ask", "q", "--index", str(tmp_path / "none"), "--backend", "local"]) == 3
    lines = capsys.readouterr().err.splitlines()
    assert (
        len(lines) == 3
        and "use --store" in lines[0] + lines[1]
        and "use QA_RUNTIME" in lines[0] + lines[1]
        and "no index" in lines[2]
    )
