"""Test helpers live in modules, fixtures in conftest files: a test imports builders from ``tests/<app>/factories.py``
(or another plain module), never from a conftest, which pytest loads on its own terms."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _conftest_imports(path: Path) -> list[str]:
    """``file:line module`` for each import of a conftest module in the file."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.extend(f"{path.name}:{node.lineno} {name}" for name in names if name.split(".")[-1] == "conftest")
    return found


def test_the_walker_sees_imports_from_a_conftest(tmp_path: Path) -> None:
    # Guards the rule below against passing vacuously.
    sample = tmp_path / "test_sample.py"
    sample.write_text("from .conftest import x\nfrom tests.registry.conftest import y\nimport tests.conftest\n")
    assert len(_conftest_imports(sample)) == 3


def test_no_test_imports_helpers_from_a_conftest() -> None:
    offenders = [
        f"{path.parent.relative_to(TESTS.parent)}/{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in _conftest_imports(path)
    ]
    assert offenders == [], "move these helpers to tests/<app>/factories.py:\n" + "\n".join(offenders)
