"""The package's shape: stages as folders, no import cycles, small modules, no env reads, no sys.modules writes."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "qa"
MAX_LINES = 300
MAX_READING_LINES = 1_000  # the reading stage, all of it (docs/quality.md)
STAGES = {"ingest", "passages", "embedding", "store", "indexing", "query", "reading", "app"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module's imports of other ``qa`` modules, wherever they are written: at module
    level, inside functions and under ``if TYPE_CHECKING:`` alike (a type-only import back
    is still two modules that each need the other). ``from qa.x import y`` names the
    module ``qa.x.y`` when ``y`` is one."""
    modules = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qa":
                targets.add(node.module)
                targets |= {
                    f"{node.module}.{alias.name}" for alias in node.names if f"{node.module}.{alias.name}" in modules
                }
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names if alias.name.split(".")[0] == "qa"}
        graph[name] = targets - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        for target in sorted(graph.get(node, ())):
            if target in path:
                return [*path[path.index(target) :], target]
            if target in graph and target not in done:
                found = visit(target, [*path, target])
                if found:
                    return found
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node, [node])
        if found:
            return found
    return None


def _stage(module: str) -> str:
    """The stage folder a module belongs to (``qa.query``), or the module for a top-level file."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_the_pipeline_stages_are_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders == STAGES
    assert {p.name for p in PACKAGE.glob("*.py")} == {
        "__init__.py",
        "errors.py",
        "options.py",
        "settings.py",
        "types.py",
    }


def test_no_import_cycles() -> None:
    cycle = _cycle(_imports())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_settings_module_sits_above_the_stages_it_imports() -> None:
    """``qa.settings`` and ``qa.options`` import the stages whose settings they build; none of
    them imports either back (they take their defaults as arguments, or from ``qa.types``)."""
    stages: dict[str, set[str]] = {}
    for module, targets in _imports().items():
        stages.setdefault(_stage(module), set()).update(
            _stage(target) for target in targets if _stage(target) != _stage(module)
        )
    for top in ("qa.settings", "qa.options"):
        reached, todo = set(), [top]
        while todo:
            for target in stages.get(todo.pop(), ()):
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
        assert top not in reached, f"a stage that {top} imports imports it back: " + ", ".join(
            sorted(stage for stage in reached if top in stages.get(stage, ()))
        )


def test_the_stages_import_each_other_in_one_direction() -> None:
    """Between stage folders too there is no cycle: ``qa.query`` may use ``qa.reading``, or the
    other way round, never both (the package ``__init__`` re-exports, so it is left out)."""
    stages: dict[str, set[str]] = {}
    for module, targets in _imports().items():
        if module == "qa":
            continue
        stages.setdefault(_stage(module), set()).update(
            _stage(target) for target in targets if _stage(target) not in (_stage(module), "qa")
        )
    assert _cycle(stages) is None, "stages import each other: " + " -> ".join(_cycle(stages) or [])


def test_modules_are_small() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_reading_stage_stays_within_its_line_budget() -> None:
    """The reader composes the answer alone; the layers it replaced must not grow back."""
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in (PACKAGE / "reading").glob("*.py"))
    assert lines <= MAX_READING_LINES, f"qa/reading has {lines} lines; keep it within {MAX_READING_LINES}"


def _is(node: ast.AST, module: str, name: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == name
        and isinstance(node.value, ast.Name)
        and node.value.id == module
    )


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is(node, "os", "environ") or _is(node, "os", "getenv"):
                readers.add(str(path.relative_to(ROOT)))
    # settings.py merges QA_* once; the CLI reads QA_DEBUG only to show a bug's traceback.
    # Nothing writes the environment: the encoder passes local_files_only=True to the Hugging Face loaders.
    assert readers == {"qa/settings.py", "qa/app/cli.py"}


_DICT_WRITES = ("pop", "popitem", "setdefault", "update", "clear")


def test_no_module_changes_sys_modules() -> None:
    """Assigning, deleting or popping entries of ``sys.modules`` changes every later import
    of the process: no module of the package does it."""
    writers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            written = (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, (ast.Store, ast.Del))
                and _is(node.value, "sys", "modules")
            )
            called = isinstance(node, ast.Attribute) and node.attr in _DICT_WRITES and _is(node.value, "sys", "modules")
            if written or called:
                writers.add(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert writers == set()
