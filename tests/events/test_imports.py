"""The events app's arrows: registrations -> events -> ewevents, never back, and no circles inside."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
EVENTS = ROOT / "events"


def _modules():
    """{module name: parsed source} of the events app, migrations left out."""
    found = {}
    for path in EVENTS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = ast.parse(path.read_text(), filename=str(path))
    return found


def _imported(module, tree):
    """(imported module, line, whether at module level) for each import in `tree`."""
    package = module if module.endswith("events") else module.rsplit(".", 1)[0]
    top_level = set(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            # `from . import access` imports events.access; `from .models import X` imports events.models.
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            yield name, node.lineno, node in top_level


def test_events_never_imports_registrations_nor_names_its_urls():
    back = [
        (module, line, name)
        for module, tree in _modules().items()
        for name, line, _top in _imported(module, tree)
        if name == "registrations" or name.startswith("registrations.")
    ]
    url_names = [
        (module, node.lineno, node.value)
        for module, tree in _modules().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("registrations:")
    ]
    assert back == []
    assert url_names == []


def test_events_imports_at_module_level_only_but_in_app_ready():
    # AppConfig.ready() is where Django wants signal wiring, after every app's models are loaded.
    hidden = [
        (module, line)
        for module, tree in _modules().items()
        if module != "events.apps"
        for _name, line, top in _imported(module, tree)
        if not top
    ]
    assert hidden == []


def test_events_modules_import_each_other_without_circles():
    modules = _modules()
    graph = {
        module: {name for name, _line, _top in _imported(module, tree) if name in modules and name != module}
        for module, tree in modules.items()
    }
    circles = []

    def visit(module, path):
        for imported in sorted(graph[module]):
            if imported in path:
                circles.append([*path[path.index(imported) :], imported])
            elif imported not in done:
                visit(imported, [*path, imported])
        done.add(module)

    done = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    assert circles == []


def test_events_templates_use_nothing_of_registrations():
    uses = [
        (str(path.relative_to(ROOT)), use)
        for path in (ROOT / "templates" / "events").rglob("*.html")
        for use in re.findall(r"\{% load [^%]*registration[^%]*%\}|registrations:\w+", path.read_text())
    ]
    assert uses == []
