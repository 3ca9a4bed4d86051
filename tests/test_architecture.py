"""The layering: atlas/ and db/ never import Qt or the UI; db/ uses only a small part of atlas/."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ("atlas", "db")
FORBIDDEN = ("PySide6", "shiboken6", "PyQt4", "PyQt5", "PyQt6", "PySide2", "ui")
DB_MAY_USE = {
    "atlas.models",
    "atlas.errors",
    "atlas.i18n",
    "atlas.records",  # the search index's DDL (``atlas.records.search``)
    "atlas.clock",
    "atlas.copies",
    "atlas.rights",  # a team server login's role (db.team)
    "atlas.team",  # the server address (db.team)
}
#: The rooms of atlas/ (one capability each); everything else in atlas/ is the kernel.
ROOMS = ("records", "privacy", "io", "geo", "network", "reports", "cli", "demo", "travel")


def python_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(path: Path, node: ast.ImportFrom) -> str:
    package = _module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    if node.level > 1:
        package = package[: -(node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def imported_modules(path: Path, source: str | None = None) -> Iterator[tuple[int, str]]:
    """Every module an import statement names (anywhere in the file, also inside functions)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(path, node) if node.level else (node.module or "")
            yield node.lineno, base
            for alias in node.names:  # ``from atlas import records`` imports atlas.records
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call):
            # importlib.import_module("PySide6...") / __import__("...") with a literal name
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield node.lineno, arg.value


def _top(module: str) -> str:
    return module.split(".")[0]


def test_packages_have_files() -> None:
    for package in CORE_PACKAGES:
        assert python_files(package), package
    assert any(p.name == "env.py" for p in python_files("db"))


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_never_imports_qt_or_ui(package: str) -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in python_files(package)
        for line, module in imported_modules(path)
        if _top(module) in FORBIDDEN or _top(module).startswith("PyQt")
    ]
    assert offending == []


def test_db_uses_only_models_errors_i18n_and_search_from_atlas() -> None:
    offending = []
    for path in python_files("db"):
        for line, module in imported_modules(path):
            if _top(module) != "atlas":
                continue
            if module in ("atlas", "atlas.records", "atlas.records.search"):
                continue
            if any(module == m or module.startswith(f"{m}.") for m in DB_MAY_USE - {"atlas.records"}):
                continue
            offending.append(f"{path.relative_to(ROOT)}:{line}: {module}")
    assert offending == []


def test_scanner_sees_every_kind_of_import() -> None:
    """The check itself must not be blind: it finds Qt in each way it can be imported."""
    source = (
        "import PySide6.QtCore\n"
        "from shiboken6 import isValid\n"
        "def later():\n"
        "    from PyQt6 import QtWidgets\n"
        "    import importlib\n"
        "    importlib.import_module('ui.form')\n"
        "from ..ui import app\n"
        "from atlas import records\n"
    )
    # Read as if the file were atlas/probe.py (for the relative import); nothing is written there.
    found = {module for _line, module in imported_modules(ROOT / "atlas" / "probe.py", source)}
    for expected in ("PySide6.QtCore", "shiboken6", "PyQt6", "ui.form", "ui", "ui.app", "atlas.records"):
        assert expected in found, expected


def test_core_imports_without_qt() -> None:
    """Importing every core module in a fresh interpreter loads no Qt module."""
    import subprocess
    import sys

    modules = [
        _module_of(p) for pkg in CORE_PACKAGES for p in python_files(pkg) if "migrations" not in p.parts
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui')"
        " or m.startswith('PyQt'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


WALL_CLOCK = re.compile(
    r"\b(?:date|datetime)\.(?:today|now|utcnow)\(|\bQDate\.currentDate\(|\bQDateTime\.current\w*\("
    r"|\btime\.(?:time|localtime|gmtime|ctime|strftime)\("
)


def test_nothing_reads_the_wall_clock_but_the_clock() -> None:
    """The core and the window get "today" from ``atlas.clock`` (handed to ``Atlas``),
    so that the demo has its own day and the suite passes on any date."""
    offending = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for package in (*CORE_PACKAGES, "ui")
        for path in python_files(package)
        if path != ROOT / "atlas" / "clock.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert offending == []


def test_the_wall_clock_pattern_finds_each_way_of_reading_it() -> None:
    for line in (
        "x = dt.date.today()",
        "datetime.now(dt.UTC)",
        "dt.datetime.utcnow()",
        "QDate.currentDate()",
        "QDateTime.currentDateTime()",
        "time.time()",
    ):
        assert WALL_CLOCK.search(line), line
    assert not WALL_CLOCK.search("self.atlas.clock.today()")


def runtime_imports(path: Path) -> Iterator[str]:
    """The modules a file imports when it runs: every import statement (also inside
    functions), except those under ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for child in node.body for inner in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(path, node) if node.level else (node.module or "")
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def import_cycles(package: str) -> list[list[str]]:
    """Cycles among the modules of ``package`` (a package counts as its ``__init__``)."""
    modules = {_module_of(path): path for path in python_files(package)}
    graph = {
        name: sorted({m for m in runtime_imports(path) if m in modules and m != name})
        for name, path in modules.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in graph[name]:
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return cycles


def test_ui_has_no_import_cycles() -> None:
    # A module that imports one that imports it back (also from inside a function) works
    # only by the order of first use; ui.app -> ui.main_window -> ui.printing -> ui.app was one.
    assert import_cycles("ui") == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def later():\n    from loop import b\n")
    (package / "b.py").write_text("import loop.a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from loop import a\n"
    )
    (package / "d.py").write_text("from loop.c import x\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert import_cycles("loop") == [["loop.a", "loop.b", "loop.a"]]


SETTINGS_DECLARATION = ROOT / "ui" / "settings.py"
SETTINGS_CALLS = ("value", "setValue", "remove", "contains")


def settings_calls(path: Path, source: str | None = None) -> Iterator[tuple[int, str]]:
    """Calls that read or write a QSettings key directly: ``x.value("key")``/``x.setValue(f"…", v)``
    with a literal key, or any ``value``/``setValue``/``remove``/``contains`` on a ``settings`` object."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source, filename=str(path))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in SETTINGS_CALLS:
            continue
        first = node.args[0] if node.args else None
        literal = isinstance(first, ast.JoinedStr) or (
            isinstance(first, ast.Constant) and isinstance(first.value, str)
        )
        on_settings = ast.unparse(node.func.value).lower().endswith("settings")
        if literal or on_settings:
            yield node.lineno, ast.unparse(node)


def test_settings_keys_are_read_and_written_only_where_they_are_declared() -> None:
    """Every QSettings key is declared once in ``ui/settings.py`` (type, default, meaning);
    nobody else names a key, so nobody reads it with a default of their own."""
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in [*python_files("ui"), *python_files("atlas"), *python_files("db"), ROOT / "main.py"]
        if path != SETTINGS_DECLARATION
        for line, call in settings_calls(path)
    ]
    assert offending == []


def test_the_settings_scanner_finds_each_way_of_naming_a_key() -> None:
    source = (
        'a = self.settings.value("map/base", "osm")\n'
        'settings.setValue(f"section/{key}/header", state)\n'
        "b = settings.value(SOME_KEY)\n"
        'store.value("user/name")\n'
        "self.settings.remove(KEY)\n"
    )
    found = [line for line, _call in settings_calls(ROOT / "ui" / "probe.py", source)]
    assert found == [1, 2, 3, 4, 5]
    harmless = "self.progress.setValue(done)\nspin.value()\nprefs.MAP_BASE.set(self.settings, mode)\n"
    assert list(settings_calls(ROOT / "ui" / "probe.py", harmless)) == []


FIXED_SLEEP = re.compile(
    r"\bqtbot\.wait\(\s*\d|\bQTest\.qWait\(|\btime\.sleep\(|assertNotEmitted\([^)]*wait="
)


def test_tests_wait_for_conditions_not_for_time() -> None:
    """A sleep before a check makes the check pass on a fast machine only, or — when it checks
    that nothing happened — pass before the thing could have happened. Tests wait for a
    condition or a signal (``qtbot.waitUntil``, ``waitSignal``, ``changes_applied``)."""
    offending = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in python_files("tests")
        if path.name != "fake_nominatim.py"  # the fake server's answer delay is what it serves
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FIXED_SLEEP.search(line) and path != Path(__file__).resolve()
    ]
    assert offending == []
    for line in (
        "qtbot.wait(100)",
        "QTest.qWait(300)",
        "time.sleep(0.2)",
        "qtbot.assertNotEmitted(s, wait=50)",
    ):
        assert FIXED_SLEEP.search(line), line
    assert not FIXED_SLEEP.search("qtbot.waitUntil(lambda: x)")


# -- one worker layer ----------------------------------------------------------------------------

#: Where a runner or a thread pool may be built, and where the one ``Workers`` is built: the
#: wiring place (``ui.app``), the tests' fixture, and the benchmarks (programs of their own).
BUILT_ONLY_IN = {
    "TaskRunner": {"ui/workers.py"},
    "QThreadPool": {"ui/tasks.py"},
    "Workers": {"ui/app.py", "tests/ui/conftest.py", "benchmarks/"},
}


def constructions(root: Path, names: set[str]) -> list[tuple[str, int, str]]:
    """(file, line, name) of every call ``Name(...)`` or ``module.Name(...)`` of ``names``
    in ui/, main.py, tests/ and benchmarks/."""
    files = [root / "main.py"] if (root / "main.py").exists() else []
    for folder in ("ui", "tests", "benchmarks"):
        files += sorted(p for p in (root / folder).rglob("*.py") if "__pycache__" not in p.parts)
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in names:
                    found.append((path.relative_to(root).as_posix(), node.lineno, name))
    return found


def _misplaced(root: Path) -> list[str]:
    return [
        f"{file}:{line}: {name}(...)"
        for file, line, name in constructions(root, set(BUILT_ONLY_IN))
        if not any(
            file == allowed or (allowed.endswith("/") and file.startswith(allowed))
            for allowed in BUILT_ONLY_IN[name]
        )
    ]


def test_runners_are_built_only_in_the_wiring_place() -> None:
    """One worker layer (issue 12): ``ui.workers.Workers`` builds the two runners, ``ui.app``
    builds it once and hands it to the window, which hands it on. A widget that builds its
    own ``TaskRunner`` (or thread pool) fails here; it takes ``workers`` in its constructor."""
    assert _misplaced(ROOT) == []
    built = constructions(ROOT, {"TaskRunner"})
    assert [(file, name) for file, _line, name in built] == [("ui/workers.py", "TaskRunner")] * 2
    assert ("ui/app.py", "Workers") in [
        (file, name) for file, _line, name in constructions(ROOT, {"Workers"})
    ]


def test_the_runner_finder_finds_a_widget_building_its_own(tmp_path: Path) -> None:
    for folder in ("ui", "tests", "benchmarks"):
        (tmp_path / folder).mkdir()
    (tmp_path / "ui" / "workers.py").write_text("a = TaskRunner(1, self)\nb = TaskRunner(2, self)\n")
    (tmp_path / "ui" / "app.py").write_text("w = Workers(app)\n")
    (tmp_path / "benchmarks" / "bench.py").write_text("w = Workers(app)\n")
    assert _misplaced(tmp_path) == []
    (tmp_path / "ui" / "pane.py").write_text(
        "class Pane:\n    def __init__(self):\n        self.tasks = ui.tasks.TaskRunner(1, self)\n"
    )
    (tmp_path / "tests" / "test_x.py").write_text("def test():\n    Workers()\n")
    (tmp_path / "main.py").write_text("pool = QThreadPool()\n")
    assert _misplaced(tmp_path) == [
        "main.py:1: QThreadPool(...)",
        "ui/pane.py:3: TaskRunner(...)",
        "tests/test_x.py:2: Workers(...)",
    ]


# -- rooms ------------------------------------------------------------------------------------------


def room_of(module: str) -> str:
    """``atlas.geo.geocoding`` → ``atlas.geo``; a kernel module (``atlas.text``) is its own room."""
    parts = module.split(".")
    if parts[0] != "atlas" or len(parts) == 1:
        return parts[0]
    if parts[1] in ROOMS:
        return f"atlas.{parts[1]}"
    return f"atlas.{parts[1]}"


def _room_of_file(path: Path) -> str:
    return room_of(_module_of(path))


def production_files() -> list[Path]:
    return [*python_files("atlas"), *python_files("ui"), *python_files("db"), ROOT / "main.py"]


def _public_names(room: str) -> set[str]:
    tree = ast.parse((ROOT / "atlas" / room / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return {elt.value for elt in node.value.elts if isinstance(elt, ast.Constant)}  # type: ignore[attr-defined]
    return set()


def front_door_violations(path: Path, source: str | None = None) -> list[str]:
    """Imports from outside a room that reach past its ``__init__``: ``atlas.geo.geocoding``
    (a module inside) or a name the room does not list in ``__all__``."""
    here = _room_of_file(path)
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            pairs = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            pairs = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in pairs:
            parts = module.split(".")
            if parts[0] != "atlas" or len(parts) < 2 or parts[1] not in ROOMS:
                continue
            if room_of(module) == here:
                continue
            if len(parts) > 2:
                found.append(f"{node.lineno}: {module}")
            elif name is not None and name not in _public_names(parts[1]):
                found.append(f"{node.lineno}: {module}.{name} (not in __all__)")
    return found


def test_rooms_are_entered_through_their_front_door() -> None:
    """Outside a room, code imports only what the room's ``__init__`` offers (tests may look inside)."""
    offending = [
        f"{path.relative_to(ROOT)}:{hit}"
        for path in production_files()
        for hit in front_door_violations(path)
    ]
    assert offending == []


def test_the_front_door_check_sees_a_side_entrance() -> None:
    probe = ROOT / "ui" / "probe.py"
    source = (
        "from atlas.geo.geocoding import GeocodingService\n"
        "import atlas.records.search as search\n"
        "from atlas.geo import not_offered\n"
        "from atlas.geo import GeocodingService\n"
    )
    assert [hit.split(":")[0] for hit in front_door_violations(probe, source)] == ["1", "2", "3"]
    inside = ROOT / "atlas" / "geo" / "probe.py"
    assert front_door_violations(inside, "from atlas.geo.geocoding import GeocodingService\n") == []


def test_every_room_says_what_it_is_and_offers_what_it_lists() -> None:
    import importlib

    for room in ROOMS:
        init = ROOT / "atlas" / room / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), room
        package = importlib.import_module(f"atlas.{room}")
        for name in _public_names(room):
            assert getattr(package, name, None) is not None, (room, name)


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """``from atlas.x import _name`` (or ``ui.…``/``db.…``): a private name taken from another module."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    return [
        f"{node.lineno}: {node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and not node.level
        and _top(node.module or "") in ("atlas", "ui", "db")
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "_"
    ]


def test_no_private_name_crosses_a_module() -> None:
    """A name two modules need is public in one of them; ``_`` (gettext) is the one exception."""
    offending = [
        f"{path.relative_to(ROOT)}:{hit}"
        for path in [*production_files(), *python_files("benchmarks")]
        for hit in private_imports(path)
    ]
    assert offending == []
    assert private_imports(ROOT / "atlas" / "network" / "probe.py", "from atlas.dates import _ym\n")
    assert not private_imports(ROOT / "atlas" / "probe.py", "from atlas.i18n import _\n")


def room_graph() -> dict[str, set[str]]:
    """Which room needs which at run time (kernel modules count as rooms of their own;
    ``atlas.core``, the facade that builds the services, is one of them)."""
    graph: dict[str, set[str]] = {}
    for path in python_files("atlas"):
        here = _room_of_file(path)
        for module in runtime_imports(path):
            if module.split(".")[0] == "atlas" and module != "atlas" and room_of(module) != here:
                graph.setdefault(here, set()).add(room_of(module))
    return graph


def test_rooms_form_no_cycle() -> None:
    graph = room_graph()
    state: dict[str, int] = {}

    def visit(room: str, trail: list[str]) -> None:
        state[room] = 1
        for target in sorted(graph.get(room, ())):
            assert state.get(target) != 1, " → ".join([*trail, room, target])
            if target not in state:
                visit(target, [*trail, room])
        state[room] = 2

    for room in sorted(graph):
        if room not in state:
            visit(room, [])
    # The kernel is below every room: no kernel module needs one at run time.
    for room, targets in graph.items():
        if room.split(".")[1] not in ROOMS and room != "atlas.core":
            assert not {t for t in targets if t.split(".")[1] in ROOMS}, room


def test_atlas_never_imports_db_and_nobody_imports_the_demo_builder() -> None:
    """One direction between db/ and atlas/ (db uses a little of atlas, never back), and the
    demo builder stays outside the program's import graph (only main.py's ``build-demo``)."""
    into_db = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in python_files("atlas")
        for line, module in imported_modules(path)
        if _top(module) == "db"
    ]
    assert into_db == []
    into_demo = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in [*python_files("atlas"), *python_files("ui"), *python_files("db")]
        if _room_of_file(path) != "atlas.demo"
        for line, module in imported_modules(path)
        if room_of(module) == "atlas.demo"
    ]
    assert into_demo == []


def test_the_window_starts_without_the_heavy_libraries() -> None:
    """shapely and numpy (~120 ms each to import) load behind the front doors on first use
    (a boundary checked, a long list's bigrams built), not when the window starts."""
    import subprocess

    code = (
        "import sys, ui.main_window, main\n"
        "print(sorted(m for m in ('shapely', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
