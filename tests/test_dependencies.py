"""Every third-party module ``server/`` imports comes from a declared runtime dependency.

The suite runs with the ``dev`` extra installed, so a module imported by the server but
declared only there (``httpx`` in ``server/safeguarding/notify.py`` once was) works in
every test and fails on the README's ``pip install -e .``. This reads the imports from
the source with ``ast`` and the dependencies from pyproject.toml, so it needs no install.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "server"

# A PEP 508 requirement starts with its name; extras, versions and markers follow.
_REQUIREMENT_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def normalise(name: str) -> str:
    """PEP 503: case-insensitive, with runs of ``-``, ``_`` and ``.`` the same."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> set[str]:
    """The normalised names in ``[project] dependencies``, without extras or versions."""
    with pyproject.open("rb") as file:
        requirements = tomllib.load(file)["project"]["dependencies"]
    names = set()
    for requirement in requirements:
        match = _REQUIREMENT_NAME.match(requirement)
        assert match, f"pyproject.toml: cannot read the dependency {requirement!r}"
        names.add(normalise(match.group(1)))
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


class _Imports(ast.NodeVisitor):
    """Top-level names of the absolute imports in one module, outside ``if TYPE_CHECKING:``."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:  # the ``else:`` of TYPE_CHECKING does run
                self.visit(child)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.names.add(alias.name.partition(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.names.add(node.module.partition(".")[0])


def third_party_imports(package: Path = PACKAGE) -> Iterator[tuple[str, Path]]:
    """(top-level module, file) for every import of something neither stdlib nor Hearth."""
    for path in sorted(package.rglob("*.py")):
        visitor = _Imports()
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for name in sorted(visitor.names):
            if name != package.name and name not in sys.stdlib_module_names:
                yield name, path


def undeclared(dependencies: set[str]) -> list[str]:
    """One line for each third-party import not provided by one of ``dependencies``."""
    distributions = importlib.metadata.packages_distributions()
    problems = []
    for module, path in third_party_imports():
        where = path.relative_to(ROOT)
        provided_by = distributions.get(module)
        if not provided_by:
            problems.append(f"{where} imports {module!r}, which no installed distribution "
                            f"provides, so it cannot be checked against pyproject.toml")
        elif not {normalise(name) for name in provided_by} & dependencies:
            names = " or ".join(sorted(set(provided_by)))
            problems.append(f"{where} imports {module!r} from the distribution {names}, "
                            f"which is not in pyproject.toml's [project] dependencies")
    return problems


def test_server_imports_only_declared_runtime_dependencies() -> None:
    problems = undeclared(runtime_dependencies())
    assert not problems, "\n".join(problems)


def test_serving_does_not_import_the_training_libraries() -> None:
    # scikit-learn and SciPy are declared, but only `hearth risk train` should load them: the
    # server imports the training module nowhere, and training.py imports them in a function.
    tree = ast.parse((PACKAGE / "safeguarding" / "training.py").read_text(encoding="utf-8"))
    top = {node.names[0].name.partition(".")[0] if isinstance(node, ast.Import)
           else (node.module or "").partition(".")[0]
           for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)}
    assert not top & {"sklearn", "scipy", "numpy"}, top
    importers = [path for path in PACKAGE.rglob("*.py") if path.name != "training.py"
                 and "safeguarding.training" in path.read_text(encoding="utf-8")]
    assert [p.relative_to(ROOT).as_posix() for p in importers] == ["server/cli.py"]
    cli = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    assert not [node for node in cli.body if isinstance(node, ast.ImportFrom)
                and node.module == "server.safeguarding.training"], "cli.py imports it at load"


def test_the_check_catches_a_dev_only_import() -> None:
    # notify.py's httpx was once only in the dev extra: without it the check must say so.
    problems = undeclared(runtime_dependencies() - {"httpx"})
    assert any("server/safeguarding/notify.py imports 'httpx' from the distribution httpx"
               in problem for problem in problems), problems


def test_requirements_are_read_without_extras_versions_or_markers(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["uvicorn[standard]>=0.35", '
                         '"Python_JSON.Logger >=3.2", "numpy; python_version >= \'3.11\'", '
                         '"ifaddr"]\n')
    assert runtime_dependencies(pyproject) == {
        "uvicorn", "python-json-logger", "numpy", "ifaddr"}
