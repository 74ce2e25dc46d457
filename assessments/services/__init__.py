"""Assessment services: every write of the assessments app (frameworks, answers, submissions, measurements), each
in one transaction with its audit event. Scoring lives in ``assessments.domain``; reads in ``assessments.selectors``.

The modules follow the app's seams; the names below are the app's public write API."""

from assessments.services.answers import (
    answer_map,
    answers_save,
    assessment_create,
    assessment_submit,
    compute_result,
    missing_required,
    observation_statuses,
    scoring_answers,
)
from assessments.services.frameworks import (
    MAX_FRAMEWORK_BYTES,
    MAX_TEXT,
    FrameworkInvalid,
    IncompleteAssessment,
    builtin_framework_files,
    canonical_sha256,
    current_framework,
    framework_load,
    frameworks_load_files,
    installed_rules,
    parse_framework_text,
)
from assessments.services.measurements import (
    measurement_take,
    measurements_take_all,
    portfolio_measurement_take,
)

__all__ = [
    "MAX_FRAMEWORK_BYTES",
    "MAX_TEXT",
    "FrameworkInvalid",
    "IncompleteAssessment",
    "answer_map",
    "answers_save",
    "assessment_create",
    "assessment_submit",
    "builtin_framework_files",
    "canonical_sha256",
    "compute_result",
    "current_framework",
    "framework_load",
    "frameworks_load_files",
    "installed_rules",
    "measurement_take",
    "measurements_take_all",
    "missing_required",
    "observation_statuses",
    "parse_framework_text",
    "portfolio_measurement_take",
    "scoring_answers",
]
