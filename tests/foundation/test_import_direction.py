"""One direction between the layers, checked on the source: services enqueue tasks, tasks call services, and
nothing else imports a task module (views, admin, API, selectors, forms call services). Every import counts,
including the ones inside a function body (a lazy import is still a dependency)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("mlops_gov", "registry", "assessments", "monitoring", "reports", "notifications")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _imported(module: str, path: Path, known: set[str], *, top_level: bool) -> Iterator[tuple[str, int]]:
    """(imported project module, line) for each import in the file (relative ones resolved): those run when the
    module is imported (``top_level``: outside function bodies), or every one."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in _top_level_nodes(tree) if top_level else ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known_prefix(alias.name, known, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate in known:  # `from monitoring import tasks`
                    yield candidate, node.lineno
                else:
                    yield from _known_prefix(base, known, node.lineno)


def _top_level_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except those inside a function body (a function's imports run when it is called)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield child
        yield from _top_level_nodes(child)


def _known_prefix(name: str, known: set[str], line: int) -> Iterator[tuple[str, int]]:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            yield candidate, line
            return


def _is_layer(module: str, layer: str) -> bool:
    """``app.services`` and the modules of an ``app.services`` package (likewise for tasks)."""
    parts = module.split(".")
    return len(parts) >= 2 and parts[1] == layer


Graph = dict[str, list[tuple[str, int]]]


@pytest.fixture(scope="module")
def graph() -> Graph:
    """Every import, lazy ones included."""
    sources = _sources()
    return {module: list(_imported(module, path, set(sources), top_level=False)) for module, path in sources.items()}


@pytest.fixture(scope="module")
def load_graph() -> Graph:
    """The imports that run when a module is loaded (a cycle among these is an import-order hazard)."""
    sources = _sources()
    return {module: list(_imported(module, path, set(sources), top_level=True)) for module, path in sources.items()}


def test_the_walker_sees_the_layers(graph: Graph) -> None:
    # Guards the test itself: if module discovery or import resolution broke, the rules below would pass vacuously.
    assert any(_is_layer(m, "services") for m in graph) and any(_is_layer(m, "tasks") for m in graph)
    assert any(_is_layer(target, "tasks") for edges in graph.values() for target, _ in edges)


def test_no_import_cycle_between_services_and_tasks(load_graph: Graph) -> None:
    """Services import their task module at the top to enqueue; a task imports its service inside its body."""
    layer = {m for m in load_graph if _is_layer(m, "services") or _is_layer(m, "tasks")}
    edges = {m: sorted({t for t, _ in load_graph[m] if t in layer and t != m}) for m in layer}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        for target in edges[module]:
            if target in path:
                cycle = [*path[path.index(target) :], target]
                if any(_is_layer(m, "tasks") for m in cycle) and any(_is_layer(m, "services") for m in cycle):
                    cycles.append(cycle)
            elif len(path) < 12:
                visit(target, [*path, target])

    for start in sorted(layer):
        visit(start, [start])
    shown = sorted({" -> ".join(cycle) for cycle in cycles})
    assert shown == [], "services and tasks import each other:\n" + "\n".join(shown)


# Interfaces and reads call services; only services (and the task modules themselves) enqueue.
_CALLERS_OF_SERVICES = {"views", "admin", "api", "forms", "serializers", "selectors", "urls", "management"}


def test_views_admin_api_and_selectors_never_import_tasks(graph: Graph) -> None:
    offenders = [
        f"{source} (line {line}) imports {target}"
        for source, edges in graph.items()
        if _CALLERS_OF_SERVICES & set(source.split(".")[1:])
        for target, line in edges
        if _is_layer(target, "tasks")
    ]
    message = "views, admin, API, selectors and commands call services, never tasks:\n" + "\n".join(offenders)
    assert offenders == [], message


def test_services_import_their_tasks_at_the_top(graph: Graph, load_graph: Graph) -> None:
    """A lazy import of a task module from a service hides a two-way dependency (the task calls the service)."""
    lazy = [
        f"{source} (line {line}) imports {target} inside a function"
        for source, edges in graph.items()
        if _is_layer(source, "services")
        for target, line in edges
        if _is_layer(target, "tasks") and (target, line) not in load_graph[source]
    ]
    assert lazy == [], "\n".join(lazy)


# Selectors return data: HTML (charts' SVG included) is rendered by the presentation layer (views, templatetags,
# ``<app>/rendering.py``)
# and who may do what is decided in ``<app>/permissions.py``.
_PRESENTATION_MODULES = ("django.template", "django.utils.html", "django.utils.safestring")
_PRESENTATION_OR_PERMISSION_NAMES = {"render_to_string", "mark_safe", "format_html", "has_perm", "PermissionDenied"}


def _selector_offences(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or "", *(f"{node.module}.{alias.name}" for alias in node.names)]
        hits = [n for n in names if any(n == m or n.startswith(m + ".") for m in _PRESENTATION_MODULES)]
        # The apps' chart modules draw SVG markup: the chart template tags call them with a selector's data.
        hits += [n for n in names if n.endswith(".charts") and not n.startswith("django.")]
        if hits:
            yield f"line {getattr(node, 'lineno', 0)} imports {', '.join(hits)}"
        used = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if used in _PRESENTATION_OR_PERMISSION_NAMES:
            yield f"line {getattr(node, 'lineno', 0)} uses {used}"
        if isinstance(node, ast.ImportFrom) and not hits:
            for alias in node.names:
                if alias.name in _PRESENTATION_OR_PERMISSION_NAMES:
                    yield f"line {node.lineno} imports {alias.name}"


def test_selectors_render_no_html_and_check_no_permission() -> None:
    selectors = {m: p for m, p in _sources().items() if "selectors" in m.split(".")[1:]}
    assert len(selectors) > 5, selectors  # the walker finds the selector modules and packages
    offenders = [
        f"{module} {offence}" for module, path in sorted(selectors.items()) for offence in _selector_offences(path)
    ]
    message = "selectors return data (render in rendering/views, decide access in permissions):\n" + "\n".join(
        offenders
    )
    assert offenders == [], message


def test_the_selector_rule_catches_html_and_permission_checks(tmp_path: Path) -> None:
    # Guards the rule itself against passing vacuously.
    bad = tmp_path / "selectors.py"
    bad.write_text(
        "from django.template.loader import render_to_string\n"
        "from monitoring import charts\n"
        "def f(user):\n"
        "    from django.utils import html\n"
        "    from django.utils.safestring import mark_safe\n"
        "    if not user.has_perm('x.y'):\n"
        "        raise PermissionDenied\n"
    )
    found = " ".join(_selector_offences(bad))
    for expected in (
        "django.template.loader",
        "monitoring.charts",
        "django.utils.html",
        "mark_safe",
        "django.utils.safestring",
        "has_perm",
        "PermissionDenied",
    ):
        assert expected in found, found
