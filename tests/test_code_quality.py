"""Checks that keep the codebase in the shape README.md promises."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)


def _ruff():
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(args):
    result = subprocess.run([_ruff(), *args], cwd=ROOT, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_imports_point_one_way_without_circles():
    """The contracts in pyproject.toml: apps and registrations' parts in layers, no circles inside a part."""
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if found is None:
        pytest.fail("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run([found, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_are_read_without_restating_their_defaults():
    """A setting's default lives once, in settings.py: code reads settings.X, never getattr and a default."""
    restated = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("ewevents", "events", "registrations", "operations")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "getattr(settings," in line or "getattr(django_settings," in line
    ]

    assert restated == []


def _function_lengths():
    """(path:line name, lines of body after the docstring) of every function in the product code."""
    for package in ("ewevents", "events", "registrations", "operations"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef):
                    body = node.body
                    has_docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    first = body[1] if has_docstring and len(body) > 1 else body[0]
                    where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                    yield where, path.name, node.end_lineno - first.lineno + 1


def test_views_and_services_stay_short():
    """A view reads as a few calls (about 20 lines), a service as the steps of one change (about 50)."""
    too_long = [
        where
        for where, filename, lines in _function_lengths()
        if lines > (22 if filename == "views.py" else 50)
    ]

    assert too_long == []
