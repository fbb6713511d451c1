"""Every command, flag and Python line that README.md documents, run as a new user would.

The test reads README.md itself: each ``qa ...`` line of its ``sh`` blocks runs once per
alternative of its ``a|b|c`` choices, with every optional ``[...]`` group given, in a
fresh folder that holds the README's example files (the seed articles as ``corpus/``,
``page.html``, ``story.txt``, ``questions.jsonl``, a small BEIR folder at
``../shared/eval/scifact``). Each must exit 0 and print no traceback. ``qa serve`` must
answer over HTTP, then stop on Ctrl-C. The ``python`` block runs as a script there too.
Not run here: ``make chat`` / ``make test`` (this suite is ``make test``; ``make chat`` is
``python ui.py``, run below) and the 45-minute ``make bench`` / ``python -m bench``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import DEV_QUESTIONS, QA, ROOT, SEEDS, free_port

pytestmark = pytest.mark.slow

README = ROOT / "README.md"
NOT_RUN = ("make ", "python -m bench")


def readme_blocks(language: str) -> list[str]:
    """The fenced code blocks of README.md in ``language``."""
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def readme_commands() -> list[str]:
    """The commands of the README's ``sh`` blocks, continuation lines joined, comments cut."""
    commands: list[str] = []
    for block in readme_blocks("sh"):
        for line in block.splitlines():
            code = line.split("  #")[0].rstrip()
            if not code.strip():
                continue
            if line[:1].isspace() and commands:
                commands[-1] += " " + code.strip()
            else:
                commands.append(code.strip())
    return commands


def _alternatives(group: str) -> list[str]:
    """``--mode a|b`` -> ``["--mode a", "--mode b"]``; ``--x|--no-x`` -> both; else the group."""
    head, _, value = group.partition(" ")
    if "|" in head:
        return head.split("|")
    if "|" in value:
        return [f"{head} {choice}" for choice in value.split("|")]
    return [group]


def variants(command: str) -> list[list[str]]:
    """The command with every optional group, once per alternative of its longest choice."""
    groups = [_alternatives(g) for g in re.findall(r"\[([^\]]+)\]", command)]
    base = shlex.split(re.sub(r"\s*\[[^\]]+\]", "", command))
    runs = max((len(g) for g in groups), default=1)
    return [base + [word for g in groups for word in shlex.split(g[min(i, len(g) - 1)])] for i in range(runs)]


def test_the_readme_parser_sees_every_command() -> None:
    commands = readme_commands()
    names = {shlex.split(c)[1] for c in commands if c.startswith("qa ")}
    assert names == {"index", "add", "remove", "ask", "serve", "mcp", "eval"}
    ask = [v for c in commands if c.startswith("qa ask") for v in variants(c)]
    assert [v[v.index("--mode") + 1] for v in ask if "--mode" in v] == ["hybrid", "dense", "bm25"]
    assert any("--uri" in v for v in ask)
    assert all("Who is India's National Security Adviser?" in v for v in ask)


def _tiny_beir(folder: Path) -> None:
    """Six documents, two judged queries: a BEIR folder small enough to index in seconds."""
    (folder / "qrels").mkdir(parents=True)
    docs = {
        "d1": ("Vitamin D and bones", "Vitamin D supplements increase bone density in older adults."),
        "d2": ("Sleep and memory", "Sleep deprivation impairs the consolidation of memory."),
        "d3": ("Coffee", "Moderate coffee intake is not linked to heart disease."),
        "d4": ("Exercise", "Regular aerobic exercise lowers resting blood pressure."),
        "d5": ("Salt", "High salt intake raises blood pressure in most adults."),
        "d6": ("Smoking", "Smoking is a major cause of lung cancer."),
    }
    lines = [json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in docs.items()]
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    queries = [
        {"_id": "q1", "text": "Does vitamin D help bone density?"},
        {"_id": "q2", "text": "What raises blood pressure?"},
    ]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries) + "\n", encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td5\t1\n", encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the files the README's commands name."""
    root = tmp_path_factory.mktemp("readme")
    work = root / "work"
    shutil.copytree(SEEDS, work / "corpus")
    (work / "page.html").write_text(
        "<html><head><title>Zinc output soars</title></head><body><article><h1>Zinc output soars</h1>"
        "<p>Zinc production in Rajasthan rose by 40 percent in August, the state mining department said.</p>"
        "</article></body></html>",
        encoding="utf-8",
    )
    (work / "story.txt").write_text(
        "Harbour closed\nA cyclone closed the Chennai harbour for two days, officials said.\n", encoding="utf-8"
    )
    (work / "notes.md").write_text(
        "# Tea exports\n\nTea exports from Assam grew by 12 percent this year, traders said.\n", encoding="utf-8"
    )
    batch = [
        {
            "title": "Rail link opens",
            "text": "A new rail link between Pune and Nashik opened on Friday, the railway said.",
        }
    ]
    (work / "batch.jsonl").write_text("\n".join(json.dumps(r) for r in batch) + "\n", encoding="utf-8")
    shutil.copy(DEV_QUESTIONS, work / "questions.jsonl")
    _tiny_beir(root / "shared" / "eval" / "scifact")
    return work


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("QA_")}


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # stdin closed: `qa mcp` (a stdio server) ends at the end of its input
    return subprocess.run(
        [QA, *argv[1:]],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        env=_environment(),
    )


def serve_page(argv: list[str], port: int, cwd: Path, env: dict[str, str]) -> str:
    """Start a server, wait for its page (HTTP 200), stop it with Ctrl-C; return its output."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    status = None
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert status == 200, f"{shlex.join(argv)}: no page (status {status}, exit {process.returncode}):\n{output}"
    assert "Traceback" not in output, output
    return output


def _serve(argv: list[str], cwd: Path) -> None:
    port = free_port()
    serve_page([QA, *(str(port) if word == "7860" else word for word in argv[1:])], port, cwd, _environment())


def test_every_documented_command_and_flag_runs(workspace: Path) -> None:
    ran: list[str] = []
    for command in readme_commands():
        if command.startswith(NOT_RUN):
            continue
        assert command.startswith("qa "), f"README documents a command this test does not know how to run: {command}"
        for argv in variants(command):
            shown = shlex.join(argv)
            if argv[1] == "serve":
                _serve(argv, workspace)
            else:
                result = _run(argv, workspace)
                output = result.stdout + result.stderr
                assert result.returncode == 0, f"{shown} exited {result.returncode}:\n{output}"
                assert "Traceback" not in output, f"{shown}:\n{output}"
            ran.append(shown)
    flags = {
        word
        for command in readme_commands()
        if command.startswith("qa ")
        for word in re.findall(r"(?<![\w-])-{1,2}[a-z][\w-]*", command)
    }
    used = {word for shown in ran for word in shlex.split(shown) if word.startswith("-")}
    assert flags <= used, f"flags documented but never run: {sorted(flags - used)}"
    assert (workspace / "out.json").is_file() and (workspace / "scifact.json").is_file()
    assert not (workspace / "corpus" / "story.txt").exists()  # `qa remove story` removed it


def test_the_python_example_runs(workspace: Path, tmp_path: Path) -> None:
    (block,) = readme_blocks("python")
    work = tmp_path / "python"
    shutil.copytree(SEEDS, work / "corpus")
    shutil.copy(workspace / "story.txt", work / "story.txt")
    script = work / "example.py"
    script.write_text(
        block + "\nassert answer.found and 'Doval' in answer.text\nprint('example ok')\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=work, capture_output=True, text=True, timeout=600, env=_environment()
    )
    assert result.returncode == 0 and "example ok" in result.stdout, result.stdout + result.stderr
    assert not (work / "corpus" / "story.txt").exists()


def test_make_chat_starts_the_chat_on_a_fresh_index(tmp_path: Path) -> None:
    """``make chat`` runs ``python ui.py``: it builds the index on first start and serves."""
    port = free_port()
    env = {**_environment(), "QA_INDEX": str(tmp_path / "embeddings"), "QA_PORT": str(port)}
    output = serve_page([sys.executable, str(ROOT / "ui.py")], port, tmp_path, env)
    assert "building it from" in output
    assert (tmp_path / "embeddings" / "CURRENT").is_file()


def test_make_chat_on_a_corpus_without_articles_says_what_to_do(tmp_path: Path) -> None:
    """The index is built in a thread while Gradio imports; its error still ends ``ui.py``
    with one line and the documented exit code (4: nothing to index), no traceback."""
    (tmp_path / "corpus").mkdir()
    env = {
        **_environment(),
        "QA_CORPUS": str(tmp_path / "corpus"),
        "QA_INDEX": str(tmp_path / "embeddings"),
        "QA_PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "ui.py")], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "ui.py: no usable article" in result.stderr and "add articles" in result.stderr
    assert "Traceback" not in result.stderr
