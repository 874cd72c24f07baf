"""The floor plan holds (docs/architecture.md): every module of the portal and of the simulated
world imports cleanly on its own, no import hides inside a function to dodge a cycle, and the
import-linter contracts in pyproject.toml (apps import only downward; the simulators only through
the kernel) pass."""

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["mitid_portal", "organisations", "users", "activation", "broker", "idm", "simulators"]

# Imports that stay inside a function on purpose, each with its reason. Nothing here may exist
# to break an import cycle: the layers contract would catch the cycle's upward half anyway.
ALLOWED_LOCAL_IMPORTS: dict[tuple[str, str], str] = {}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join(parts), path))
    return found


MODULES = _modules()


def _local_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, "." * child.level + (child.module or "")))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(tree, False)
    return found


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_module_imports_on_its_own(module, path):
    importlib.import_module(module)


def test_no_import_hides_inside_a_function():
    hidden = [
        f"{module}:{line} imports {name}"
        for module, path in MODULES
        for line, name in _local_imports(path)
        if (module, name) not in ALLOWED_LOCAL_IMPORTS
    ]
    assert hidden == []


def test_the_allow_list_names_only_imports_that_exist():
    present = {(module, name) for module, path in MODULES for _, name in _local_imports(path)}
    assert set(ALLOWED_LOCAL_IMPORTS) <= present


def test_import_contracts_hold():
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is installed with the test dependencies"
    result = subprocess.run(  # noqa: S603
        [lint_imports, "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _relations(app_labels_from, app_labels_to_prefix):
    return [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        if model.__module__.split(".")[0] in app_labels_from
        for field in model._meta.get_fields()
        if field.is_relation
        and field.related_model is not None
        and field.related_model.__module__.split(".")[0] in app_labels_to_prefix
    ]


def test_no_portal_table_points_into_the_simulated_world():
    """A real device registry or NemID source has no table here: the portal keeps serials and
    keyed hashes, never foreign keys into a simulator's table."""
    portal = {"mitid_portal", "organisations", "users", "activation", "broker", "idm"}
    assert _relations(portal, {"simulators"}) == []


def test_no_simulator_table_points_into_the_portal():
    """Only to the kernel's ``Sandbox``: the simulated world's rows belong to one sandbox each."""
    portal = {"mitid_portal", "organisations", "users", "activation", "broker", "idm"}
    relations = _relations({"simulators"}, portal)
    assert relations, "every simulator table belongs to a sandbox"
    assert [r for r in relations if not r.endswith(".sandbox -> mitid_portal.Sandbox")] == []


def test_the_relation_check_sees_relations():
    assert _relations({"activation"}, {"users"})
