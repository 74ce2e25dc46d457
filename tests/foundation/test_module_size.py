"""Modules cut along their seams: no services or selectors module grows past 400 lines (a module that large mixes
concerns; split it into a package, as ``registry/services/`` is). Domain modules (Django-free maths such as the drift
engine) are exempt: a cohesive computation may stay in one file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("mlops_gov", "registry", "assessments", "monitoring", "reports", "notifications")
MAX_LINES = 400
LAYERS = {"services", "selectors"}


def _layer_modules() -> list[Path]:
    """``<app>/…/services.py``, ``selectors.py`` and every module of a ``services/`` or ``selectors/`` package."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts or "domain" in parts:
                continue
            if LAYERS & set(parts[1:]):
                found.append(path)
    return sorted(found)


def test_the_walker_finds_the_layers() -> None:
    # Guards the test itself: if discovery broke, the size rule below would pass vacuously.
    names = {path.relative_to(ROOT).as_posix() for path in _layer_modules()}
    assert {"registry/services/promotions.py", "registry/mlflow_api/services.py", "notifications/services.py"} <= names
    assert any(name.startswith("reports/selectors") for name in names)


def test_no_services_or_selectors_module_exceeds_400_lines() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}: {count} lines"
        for path in _layer_modules()
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert too_long == [], f"split these along their seams (at most {MAX_LINES} lines each):\n" + "\n".join(too_long)
