"""The package's import graph: no cycle anywhere, and only ``cli/`` imports typer or click; and
only the one door out (``cli/console.py``) writes to stdout or stderr.

Read with ``ast``, never by importing, so an import hidden in a function counts as much as one at
the top. Counted: imports at module level, inside functions and methods, and under
``if TYPE_CHECKING:`` (a cycle of type-only imports still ties the modules into one knot, and
the first of them moved to run time fails); and the modules loaded by name through
``importlib.import_module``, read from the tables that name them (the commands, the formatters,
the rule families) or from a literal string. Not counted: the implicit import of a parent
package when a submodule is imported (a package may import its own parts).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import trtc_privacy

PACKAGE = "trtc_privacy"
#: Only modules under this package may import these (the CLI's toolkit).
CLI_ONLY = ("typer", "click")
CLI = f"{PACKAGE}.cli"

Graph = Dict[str, Dict[str, int]]  # module -> {module it imports: line}


def modules(root: Path, package: str) -> Dict[str, Path]:
    """Dotted name -> file, for every module of the package under ``root``."""
    out: Dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package] + list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported(name: str, path: Path) -> Iterator[Tuple[str, int]]:
    """(dotted name, line) of everything ``path`` imports, wherever in the file it stands.

    ``from X import y`` yields ``X.y`` (the submodule, when y is one) and ``X`` (where y is
    defined otherwise); the caller keeps whichever exists.
    """
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - node.level + 1]
                base = ".".join(here + ([node.module] if node.module else []))
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno
            yield base, node.lineno
        elif isinstance(node, ast.Call) and _calls_import_module(node) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield arg.value, node.lineno


def _calls_import_module(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Name) and f.id == "import_module") or \
        (isinstance(f, ast.Attribute) and f.attr == "import_module")


def by_table() -> Dict[str, List[str]]:
    """Modules the package loads by a name computed at run time, from the tables it reads."""
    from trtc_privacy import cli, formatters
    from trtc_privacy.lint import rules

    return {
        CLI: sorted({module for module, _ in cli.COMMANDS.values()}),
        f"{PACKAGE}.formatters": [f"{PACKAGE}.formatters.{m}" for m in formatters.FORMATS.values()],
        f"{PACKAGE}.lint.rules": [f"{PACKAGE}.lint.rules.{m}"
                                  for m in rules.LINT_MODULES + rules.OTHER_MODULES],
    }


def graph(found: Dict[str, Path], package: str,
          extra: Optional[Dict[str, List[str]]] = None) -> Graph:
    """Each module's imports within the package (the module a name belongs to, not itself)."""
    def owner(dotted: str) -> Optional[str]:
        while dotted and dotted not in found:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    out: Graph = {m: {} for m in found}
    for m, path in found.items():
        for dotted, line in imported(m, path):
            if dotted == package or dotted.startswith(package + "."):
                target = owner(dotted)
                if target is not None and target != m:
                    out[m].setdefault(target, line)
    for m, targets in (extra or {}).items():
        for t in targets:
            assert t in found, f"{m} loads {t}, which is not a module of the package"
            out[m].setdefault(t, 0)
    return out


def cycle(g: Graph) -> Optional[List[str]]:
    """One cycle of the graph as [a, b, ..., a], or None (depth-first, without recursion)."""
    state: Dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(g):
        if start in state:
            continue
        path: List[str] = [start]
        todo: List[Iterator[str]] = [iter(sorted(g[start]))]
        state[start] = 1
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                todo.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(g[nxt])))
    return None


def shown(g: Graph, loop: List[str]) -> str:
    return " -> ".join(f"{a} (line {g[a][b]})" for a, b in zip(loop, loop[1:])) + \
        f" -> {loop[-1]}"


def _package() -> Tuple[Dict[str, Path], Graph]:
    found = modules(Path(trtc_privacy.__file__).parent, PACKAGE)
    return found, graph(found, PACKAGE, by_table())


def test_the_package_has_no_import_cycle() -> None:
    _, g = _package()
    loop = cycle(g)
    assert loop is None, "import cycle: " + shown(g, loop)


def test_only_the_cli_imports_typer_or_click() -> None:
    found, _ = _package()
    wrong: Set[str] = set()
    for m, path in found.items():
        if m == CLI or m.startswith(CLI + "."):
            continue
        for dotted, line in imported(m, path):
            if dotted.split(".")[0] in CLI_ONLY:
                wrong.add(f"{path}:{line}: {dotted}")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_walk_sees_every_kind_of_import() -> None:
    """What the walk reads (the two tests above pass only if it reads what matters)."""
    _, g = _package()
    assert f"{PACKAGE}.lint.engine" in g[f"{CLI}.lint"]  # inside a function body
    assert f"{PACKAGE}.config" in g[f"{PACKAGE}.selection"]  # under TYPE_CHECKING
    assert f"{PACKAGE}.lint.rules.api" in g[f"{PACKAGE}.lint.rules"]  # by a table
    assert f"{PACKAGE}.knowledge.apple" in g[f"{PACKAGE}.lint.rules.api"]  # from X import module


def test_a_cycle_through_a_function_or_type_import_is_found(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("from typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from pkg.sub.b import B\n")
    (root / "sub" / "b.py").write_text("class B:\n    pass\n\n"
                                       "def f():\n    from . import c\n")
    (root / "sub" / "c.py").write_text("def g():\n    import pkg.a\n")
    g = graph(modules(root, "pkg"), "pkg")
    assert cycle(g) == ["pkg.a", "pkg.sub.b", "pkg.sub.c", "pkg.a"]
    (root / "sub" / "c.py").write_text("def g():\n    import pkg\n")
    assert cycle(graph(modules(root, "pkg"), "pkg")) is None


# -- one door out -------------------------------------------------------------------------------

#: The one module that writes to stdout and stderr (``cli/console.py``), and the formatters,
#: which return text or write to the stream the door gives them.
DOOR = (f"{CLI}.console", f"{PACKAGE}.formatters")
_STREAMS = {"stdout", "stderr", "__stdout__", "__stderr__"}


def writes_to_the_terminal(source: str) -> List[int]:
    """Lines of ``source`` that reach stdout or stderr without the door: ``sys.stdout`` or
    ``sys.stderr`` (imported from sys too), ``print(``, ``typer.echo``/``click.echo`` (and
    ``secho``), ``os.write`` to descriptor 1 or 2."""
    lines: List[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "sys" and node.attr in _STREAMS:
                lines.append(node.lineno)
            elif node.value.id in CLI_ONLY and node.attr in ("echo", "secho"):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module in ("sys",) + CLI_ONLY:
            if any(a.name in _STREAMS | {"echo", "secho"} for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id == "print":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                isinstance(node.func.value, ast.Name) and node.func.value.id == "os" and \
                node.func.attr == "write" and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value in (1, 2):
            lines.append(node.lineno)
    return lines


def test_only_the_door_writes_to_stdout_or_stderr() -> None:
    """Every string that leaves the program goes through ``cli/console.py``, which makes it
    inert for the chosen format (docs/files.md, Security)."""
    found, _ = _package()
    wrong = [f"{path}:{line}" for m, path in found.items()
             if not any(m == d or m.startswith(d + ".") for d in DOOR)
             for line in writes_to_the_terminal(path.read_text(encoding="utf-8"))]
    assert not wrong, "writes to stdout/stderr outside cli/console.py:\n" + "\n".join(wrong)


def test_the_door_check_sees_every_way_out() -> None:
    source = ("import sys, os, typer\nfrom sys import stderr\nsys.stdout.write('x')\n"
              "print('x')\ntyper.echo('x', err=True)\nos.write(2, b'x')\n"
              "sys.stdout.isatty\n")
    assert sorted(writes_to_the_terminal(source)) == [2, 3, 4, 5, 6, 7]
