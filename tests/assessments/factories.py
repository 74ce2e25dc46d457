"""Assessments test factories."""

from __future__ import annotations

from typing import Any

from assessments.models import Framework


def answer_all(framework: Framework, value: float = 1.0) -> list[dict[str, Any]]:
    """One answer of ``value`` to every question of the framework (the items ``answers_save`` takes)."""
    return [{"question": qid, "value": value} for qid in framework.questions()]
