"""Maturity frameworks as versioned data: parse, validate, load (a new version on change)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.domain.schema import validate_framework
from assessments.domain.translation import TRANSLATED_LANGUAGES, missing_translations
from assessments.models import Framework
from mlops_gov.actors import Actor
from mlops_gov.errors import DomainError, NotFoundError
from registry.audit import audit_record
from registry.evidence import registered_rules

logger = logging.getLogger(__name__)


MAX_FRAMEWORK_BYTES = 512 * 1024
MAX_TEXT = 4000
_url_validator = URLValidator(schemes=["http", "https"])


class FrameworkInvalid(DomainError):
    """A framework file refused, with every problem found (each prefixed with its location)."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        shown = "; ".join(self.errors[:50]) + (f"; ... {len(self.errors) - 50} more" if len(self.errors) > 50 else "")
        super().__init__(f"The framework file is invalid ({len(self.errors)} problem(s)): {shown}")


class IncompleteAssessment(DomainError):
    def __init__(self, missing: Sequence[str]):
        self.missing = list(missing)
        super().__init__(
            _(
                "%(count)s required question(s) are unanswered: %(questions)s. "
                "Answer them (or mark them not applicable where allowed) before submitting."
            )
            % {"count": len(self.missing), "questions": ", ".join(self.missing)}
        )


# --- frameworks -----------------------------------------------------------------------------------------------------


def installed_rules() -> dict[str, int]:
    """Evidence rule id -> version, of the rules the apps installed (what a framework question may name)."""
    return {rule_id: found.version for rule_id, found in registered_rules().items()}


def parse_framework_text(content: bytes | str, name: str = "upload") -> Any:
    """Parse a YAML or JSON framework file (JSON is YAML); refuse oversize or unparsable files with a clear error."""
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > MAX_FRAMEWORK_BYTES:
        raise FrameworkInvalid([f"{name}: the file is {len(raw)} bytes; the limit is {MAX_FRAMEWORK_BYTES}."])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameworkInvalid([f"{name}: the file is not UTF-8 text."]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FrameworkInvalid([f"{name}: not valid YAML or JSON: {exc}"]) from None


def canonical_sha256(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_json_safe(document: Any) -> list[str]:
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [f"(document): contains a value that is not plain JSON data ({exc})."]
    return []


@transaction.atomic
def framework_load(
    *, document: Any, actor: Actor | None = None, source_name: str = "", builtin: bool = False
) -> tuple[Framework, bool]:
    """Validate and store a framework document. Unchanged content is a no-op; changed content becomes a new
    version (the current one); older versions stay for the assessments answered against them."""
    errors = validate_framework(document, installed_rules()) or _check_json_safe(document)
    if errors:
        raise FrameworkInvalid(errors)
    sha = canonical_sha256(document)
    slug = document["slug"]
    # Serialise loads of one slug (the current row, if any, is locked).
    list(Framework.objects.select_for_update().filter(slug=slug, is_current=True))
    existing = Framework.objects.filter(slug=slug, sha256=sha).first()
    if existing is not None:
        if existing.is_current:
            return existing, False
        Framework.objects.filter(slug=slug, is_current=True).update(is_current=False)
        existing.is_current = True
        existing.save(update_fields=["is_current"])
        audit_record(
            action="framework.reinstated",
            obj=existing,
            actor=actor,
            after={"slug": slug, "version": existing.version, "sha256": sha, "source": source_name},
        )
        return existing, True
    number = (Framework.objects.filter(slug=slug).aggregate(n=Max("version"))["n"] or 0) + 1
    Framework.objects.filter(slug=slug, is_current=True).update(is_current=False)
    framework = Framework.objects.create(
        slug=slug,
        version=number,
        name=document["name"],
        edition=document["edition"],
        method=document["method"],
        definition=document,
        sha256=sha,
        is_current=True,
        builtin=builtin,
        source_name=source_name[:255],
    )
    audit_record(
        action="framework.loaded",
        obj=framework,
        actor=actor,
        after={
            "slug": slug,
            "version": number,
            "edition": document["edition"],
            "sha256": sha,
            "source": source_name,
            "questions": framework.question_count,
        },
    )
    return framework, True


@transaction.atomic
def frameworks_load_files(
    *, files: Iterable[tuple[str, bytes | str]], actor: Actor | None = None, builtin: bool = False
) -> list[tuple[Framework, bool]]:
    """Load several files all-or-nothing: every file is parsed and validated before anything is written."""
    parsed: list[tuple[str, Any]] = []
    errors: list[str] = []
    slugs: dict[str, str] = {}
    for name, content in files:
        try:
            document = parse_framework_text(content, name)
        except FrameworkInvalid as exc:
            errors.extend(exc.errors)
            continue
        problems = validate_framework(document, installed_rules()) or _check_json_safe(document)
        if builtin and not problems:
            # A built-in framework ships in every language the product speaks (issue #16): refuse a gap.
            problems = [p for lang in TRANSLATED_LANGUAGES for p in missing_translations(document, lang)]
        errors.extend(f"{name}: {p}" for p in problems)
        if not problems:
            if document["slug"] in slugs:
                errors.append(f"{name}: slug '{document['slug']}' is also defined by {slugs[document['slug']]}.")
            slugs[document["slug"]] = name
            parsed.append((name, document))
    if errors:
        raise FrameworkInvalid(errors)
    return [framework_load(document=doc, actor=actor, source_name=name, builtin=builtin) for name, doc in parsed]


def builtin_framework_files() -> list[tuple[str, bytes]]:
    folder = Path(__file__).resolve().parent.parent / "frameworks"
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.yaml"))]


def current_framework(slug: str) -> Framework:
    framework = Framework.objects.filter(slug=slug, is_current=True).first()
    if framework is None:
        raise NotFoundError(f"No framework '{slug}' is loaded (run manage.py load_frameworks).")
    return framework
