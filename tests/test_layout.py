"""The package's shape: stages as folders, no import cycles, small modules, no env reads."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "qa"
MAX_LINES = 300
STAGES = {"ingest", "passages", "embedding", "store", "indexing", "query", "reading", "app"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module's imports of other ``qa`` modules, at module level only."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.split(".")[0] == "qa"}
        graph[_module_name(path)] = targets
    return graph


def test_the_pipeline_stages_are_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == STAGES
    assert {p.name for p in PACKAGE.glob("*.py")} == {"__init__.py", "errors.py", "settings.py", "types.py"}


def test_no_import_cycles() -> None:
    graph = _imports()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(graph.get(module, ())):
            assert target not in path, "import cycle: " + " -> ".join([*path[path.index(target):], target])
            if target in graph and target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        visit(module, [module])


def test_modules_are_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.add(str(path.relative_to(ROOT)))
    # settings.py merges QA_* once; the CLI reads QA_DEBUG only to show a bug's traceback;
    # the encoder sets the Hugging Face libraries' offline switches (writes, never reads ours).
    assert readers == {"qa/settings.py", "qa/app/cli.py", "qa/embedding/sentence_transformer.py"}
