"""Evidence rules: what the platform can observe about a model's practices, from its own records.

The registry defines the interface (as it does for promotion gates, see ``registry.gates``); every app contributes
rules about the records it owns from its ``AppConfig.ready`` with ``register_rule``, so the registry never imports
them. A maturity framework question may name a rule (``evidence: {rule: <id>, version: <n>}``); the assessments
app runs the rules and scores what they observe.

A rule judges one subject, a model and the version that stands for it (production if any), and returns yes / partly
/ no with the ids of the records it judged and links to them. Rules only read. A rule's ``version`` changes whenever
what it checks changes; a framework naming the old version must be edited (a new framework version) to use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.urls import reverse
from django.utils import timezone

if TYPE_CHECKING:
    from registry.models import ModelVersion, PromotionPolicy, RegisteredModel

Status = Literal["yes", "partly", "no"]
STATUSES: tuple[Status, ...] = ("no", "partly", "yes")


@dataclass(frozen=True)
class EvidenceRef:
    """One record a rule looked at: ``kind`` is the record type (e.g. ``drift_check``), ``id`` its primary key."""

    kind: str
    id: str
    label: str
    url: str = ""


@dataclass(frozen=True)
class Finding:
    status: Status
    detail: str
    evidence: tuple[EvidenceRef, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, "evidence": [asdict(e) for e in self.evidence]}


@dataclass(frozen=True)
class Subject:
    """What a rule judges: the model, the version that stands for it (None when it has no version) and the
    promotion policy of its risk tier (None when the tier has none)."""

    model: RegisteredModel
    version: ModelVersion | None
    policy: PromotionPolicy | None
    now: Any = field(default_factory=timezone.now)


RuleFunction = Callable[[Subject, Mapping[str, Any]], Finding]


@dataclass(frozen=True)
class EvidenceRule:
    id: str
    version: int
    title: str
    app: str
    check: RuleFunction
    description: str = ""

    def run(self, subject: Subject, params: Mapping[str, Any] | None = None) -> Finding:
        return self.check(subject, params or {})


_RULES: dict[str, EvidenceRule] = {}


def register_rule(rule: EvidenceRule) -> None:
    _RULES[rule.id] = rule


def rule(
    *, id: str, version: int, title: str, app: str, description: str = ""
) -> Callable[[RuleFunction], RuleFunction]:
    """Decorator: register the function as the evidence rule ``id`` (its docstring is the default description)."""

    def wrap(func: RuleFunction) -> RuleFunction:
        register_rule(
            EvidenceRule(
                id=id,
                version=version,
                title=title,
                app=app,
                check=func,
                description=description or " ".join((func.__doc__ or "").split()),
            )
        )
        return func

    return wrap


def get_rule(rule_id: str) -> EvidenceRule | None:
    return _RULES.get(rule_id)


def registered_rules() -> dict[str, EvidenceRule]:
    return dict(sorted(_RULES.items()))


def run_rule(rule_id: str, subject: Subject, params: Mapping[str, Any] | None = None) -> Finding:
    """Run one rule; an unknown or failing rule observes nothing ("no", with the reason): never a silent pass."""
    found = _RULES.get(rule_id)
    if found is None:
        return Finding("no", f"No evidence rule named '{rule_id}' is installed.")
    try:
        return found.run(subject, params)
    except Exception as exc:  # noqa: BLE001 - a broken rule observes nothing, with its reason
        return Finding("no", f"The rule raised an error: {type(exc).__name__}: {exc}")


def subject_for(model: RegisteredModel, *, now: Any = None) -> Subject:
    """The model judged through its production version, else its newest staging version, else its newest one."""
    from registry.models import PromotionPolicy

    versions = model.versions.select_related("card").order_by("-version")
    version = (
        versions.filter(stage="production").first() or versions.filter(stage="staging").first() or versions.first()
    )
    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
    return Subject(model=model, version=version, policy=policy, now=now or timezone.now())


def days(params: Mapping[str, Any], default: int) -> timedelta:
    value = params.get("days", default)
    return timedelta(days=value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default)


def grade(have: int, total: int) -> Status:
    return "yes" if have >= total else "partly" if have > 0 else "no"


# --- links to what the registry holds -------------------------------------------------------------------------------


def model_ref(model: RegisteredModel) -> EvidenceRef:
    return EvidenceRef("model", str(model.pk), model.name, reverse("registry:model-detail", args=[model.name]))


def version_ref(version: ModelVersion) -> EvidenceRef:
    url = reverse("registry:model-detail", args=[version.model.name]) + f"#v{version.version}"
    return EvidenceRef("model_version", str(version.pk), f"{version.model.name} v{version.version}", url)


def request_ref(request_id: int, label: str) -> EvidenceRef:
    return EvidenceRef(
        "promotion_request", str(request_id), label, reverse("registry:request-detail", args=[request_id])
    )


def policy_ref(policy: PromotionPolicy) -> EvidenceRef:
    return EvidenceRef(
        "promotion_policy",
        str(policy.pk),
        f"Policy for {policy.risk_tier} risk",
        reverse("admin:registry_promotionpolicy_change", args=[policy.pk]),
    )


def _no_version(subject: Subject) -> Finding:
    return Finding("no", f"{subject.model.name} has no registered version to judge.", (model_ref(subject.model),))


# --- the registry's own rules ---------------------------------------------------------------------------------------


@rule(id="registry.business-goal", version=1, title="Business goal and success KPI recorded", app="registry")
def business_goal(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The model's record states its business goal and the KPI that measures success."""
    model = subject.model
    have = [n for n, v in (("business goal", model.business_goal), ("success KPI", model.success_kpi)) if v.strip()]
    missing = sorted({"business goal", "success KPI"} - set(have))
    detail = "Recorded: " + (", ".join(have) or "nothing") + (f"; missing: {', '.join(missing)}." if missing else ".")
    return Finding(grade(len(have), 2), detail, (model_ref(model),))


@rule(id="registry.risk-assessed", version=1, title="Risk tier with intended and out-of-scope use", app="registry")
def risk_assessed(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A risk tier governed by a promotion policy, and the intended and out-of-scope uses on the model card."""
    if subject.version is None:
        return _no_version(subject)
    card = getattr(subject.version, "card", None)
    uses = [f for f in ("intended_use", "out_of_scope_use") if card is not None and getattr(card, f).strip()]
    refs = [model_ref(subject.model), version_ref(subject.version)]
    if subject.policy is not None:
        refs.append(policy_ref(subject.policy))
    have = len(uses) + (1 if subject.policy is not None else 0)
    detail = (
        f"Risk tier '{subject.model.risk_tier}'"
        + (" with a promotion policy" if subject.policy else " without a promotion policy")
        + f"; model card of v{subject.version.version} states {len(uses)} of 2 uses (intended, out of scope)."
    )
    return Finding(grade(have, 3), detail, tuple(refs))


@rule(id="registry.inventory", version=1, title="In the inventory with owner, team, tier and stage", app="registry")
def inventory(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The model is registered with an owner, a team, a risk tier, and a version whose stage is known."""
    model = subject.model
    have = ["owner", "risk tier"] + (["team"] if model.team_id else [])
    if subject.version is not None and subject.version.stage != "none":
        have.append(f"a version in {subject.version.stage}")
    refs = [model_ref(model)] + ([version_ref(subject.version)] if subject.version else [])
    return Finding(grade(len(have), 4), "Registered with: " + ", ".join(have) + ".", tuple(refs))


@rule(id="registry.model-card", version=1, title="Model card complete", app="registry")
def model_card(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """Every model-card field is filled in for the version (partly: only the policy's required fields)."""
    from registry.choices import MODEL_CARD_FIELDS

    if subject.version is None:
        return _no_version(subject)
    card = getattr(subject.version, "card", None)
    filled = [f for f in MODEL_CARD_FIELDS if card is not None and str(getattr(card, f, "") or "").strip()]
    missing = [f for f in MODEL_CARD_FIELDS if f not in filled]
    required = list(subject.policy.required_card_fields or []) if subject.policy else []
    refs = (version_ref(subject.version),)
    if not missing:
        return Finding("yes", f"All {len(MODEL_CARD_FIELDS)} model-card fields are filled in.", refs)
    if filled and all(f in filled for f in required):
        return Finding("partly", f"The policy's required fields are filled; missing: {', '.join(missing)}.", refs)
    return Finding("no", f"Model card fields missing: {', '.join(missing)}.", refs)


@rule(id="registry.code-lineage", version=1, title="Code repository and commit recorded", app="registry")
def code_lineage(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The version names the code repository and the commit it was built from."""
    if subject.version is None:
        return _no_version(subject)
    v = subject.version
    have = [n for n, value in (("repository", v.code_repository), ("commit", v.code_commit)) if value.strip()]
    detail = f"v{v.version} records " + (" and ".join(have) or "no code lineage") + "."
    if v.code_commit:
        detail = detail[:-1] + f" ({v.code_commit[:12]})."
    return Finding(grade(len(have), 2), detail, (version_ref(v),))


@rule(id="registry.lineage", version=1, title="Data, code and parameter lineage captured", app="registry")
def lineage(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The version records its training data, code commit, parameters, run id and artifact hash."""
    if subject.version is None:
        return _no_version(subject)
    v = subject.version
    items = {
        "training data": v.training_dataset,
        "code commit": v.code_commit,
        "parameters": v.parameters,
        "run id": v.run_id,
        "artifact SHA-256": v.artifact_sha256,
    }
    have = [k for k, value in items.items() if value]
    missing = [k for k in items if k not in have]
    detail = f"v{v.version} records {len(have)} of {len(items)}" + (
        f"; missing: {', '.join(missing)}." if missing else "."
    )
    return Finding(grade(len(have), len(items)), detail, (version_ref(v),))


@rule(id="registry.experiment-tracking", version=1, title="Run, parameters and metrics tracked", app="registry")
def experiment_tracking(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The version links its training run and records its parameters and evaluation metrics."""
    if subject.version is None:
        return _no_version(subject)
    v = subject.version
    items = {"run id": v.run_id, "parameters": v.parameters, "metrics": v.metrics}
    have = [k for k, value in items.items() if value]
    missing = [k for k in items if k not in have]
    detail = f"v{v.version}: {', '.join(have) or 'nothing'} recorded" + (
        f"; missing: {', '.join(missing)}." if missing else "."
    )
    return Finding(grade(len(have), len(items)), detail, (version_ref(v),))


@rule(id="registry.input-signature", version=1, title="Input signature recorded", app="registry")
def input_signature(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The version declares its input signature (the features it expects)."""
    if subject.version is None:
        return _no_version(subject)
    v = subject.version
    signature = v.input_signature or {}
    if not signature:
        return Finding("no", f"v{v.version} has no input signature.", (version_ref(v),))
    features = signature.get("features") or signature.get("inputs") or []
    count = len(features) if isinstance(features, list) else 0
    shown = f"{count} features" if count else "a signature"
    return Finding("yes", f"v{v.version} declares {shown}.", (version_ref(v),))


@rule(id="registry.stage-history", version=1, title="Stages moved through the registry", app="registry")
def stage_history(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """Versions are registered and their stage moves are recorded by the registry (partly: registered, never moved)."""
    from registry.models import StageTransition

    model = subject.model
    moves = list(StageTransition.objects.filter(model=model, alias="").order_by("-at", "-id")[:5])
    count = model.versions.count()
    if count == 0:
        return _no_version(subject)
    refs = [model_ref(model)]
    if not moves:
        return Finding("partly", f"{count} version(s) registered; no stage move recorded yet.", tuple(refs))
    latest = moves[0]
    detail = (
        f"{count} version(s) registered; latest stage move {latest.from_stage} -> {latest.to_stage} "
        f"on {latest.at:%Y-%m-%d}."
    )
    if latest.promotion_request_id:
        refs.append(request_ref(latest.promotion_request_id, f"Request #{latest.promotion_request_id}"))
    return Finding("yes", detail, tuple(refs))


def _production_request(subject: Subject):
    from registry.models import PromotionRequest

    if subject.version is None:
        return None
    return (
        PromotionRequest.objects.filter(version=subject.version, kind="stage", status="applied")
        .prefetch_related("decisions")
        .order_by("-closed_at", "-id")
        .first()
    )


@rule(id="registry.approvals", version=1, title="Promotion approved by others, as the policy requires", app="registry")
def approvals(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The production version reached production through a request approved by as many people other than the
    requester as the policy requires (partly: approved, but by fewer than the current policy asks)."""
    if subject.version is None or subject.version.stage != "production":
        refs = (version_ref(subject.version),) if subject.version else (model_ref(subject.model),)
        return Finding("no", "No version is in production, so no promotion approval can be observed.", refs)
    request = _production_request(subject)
    if request is None:
        return Finding(
            "no",
            f"v{subject.version.version} is in production without an approved request.",
            (version_ref(subject.version),),
        )
    approvers = {
        d.approver_id
        for d in request.decisions.all()
        if d.decision == "approve" and d.approver_id != request.requested_by_id
    }
    needed = subject.policy.approvals_required if subject.policy else request.approvals_required
    approved_refs = (request_ref(request.pk, f"Request #{request.pk}"), version_ref(subject.version))
    detail = f"Request #{request.pk}: {len(approvers)} independent approval(s); the policy requires {needed}."
    return Finding("yes" if len(approvers) >= needed else "partly" if approvers else "no", detail, approved_refs)


@rule(
    id="registry.rollback-candidate", version=1, title="A rollback candidate exists, rollback rehearsed", app="registry"
)
def rollback_candidate(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """An earlier version with an artifact hash can take over from production; yes when a rollback (a move of an
    archived version back to staging or production) has happened at least once."""
    from registry.models import StageTransition

    model = subject.model
    if subject.version is None or subject.version.stage != "production":
        return Finding("no", "No version is in production, so there is nothing to roll back from.", (model_ref(model),))
    candidate = (
        model.versions.filter(stage__in=["staging", "archived"], version__lt=subject.version.version)
        .exclude(artifact_sha256="")
        .order_by("-version")
        .first()
    )
    if candidate is None:
        return Finding(
            "no",
            f"No earlier version with an artifact hash can replace v{subject.version.version}.",
            (version_ref(subject.version),),
        )
    rehearsed = (
        StageTransition.objects.filter(
            model=model, alias="", from_stage="archived", to_stage__in=["staging", "production"]
        )
        .order_by("-at")
        .first()
    )
    refs = [version_ref(candidate)]
    if rehearsed is None:
        return Finding(
            "partly",
            f"v{candidate.version} ({candidate.stage}) can be rolled back to; no rollback rehearsed yet.",
            tuple(refs),
        )
    refs.append(version_ref(rehearsed.version))
    return Finding(
        "yes",
        f"v{candidate.version} ({candidate.stage}) can be rolled back to; a rollback was done on "
        f"{rehearsed.at:%Y-%m-%d}.",
        tuple(refs),
    )


@rule(id="registry.release-validation", version=1, title="Release gated on metric thresholds", app="registry")
def release_validation(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The policy sets metric thresholds, requires the metrics gate, and the version meets them (partly: thresholds
    set but not enforced by the gate, or not met by the version)."""
    from registry.gates import metrics_gate

    policy = subject.policy
    if policy is None or not policy.metric_thresholds:
        where = policy_ref(policy) if policy else model_ref(subject.model)
        return Finding("no", f"The {subject.model.risk_tier}-risk policy sets no metric thresholds.", (where,))
    refs: list[EvidenceRef] = [policy_ref(policy)]
    if subject.version is None:
        return Finding("partly", "Metric thresholds are set; no version to check them on.", tuple(refs))
    refs.append(version_ref(subject.version))
    result = metrics_gate(subject.version, policy)
    if "metrics" not in (policy.required_gates or []):
        return Finding(
            "partly", "Metric thresholds are set but the policy does not require the metrics gate.", tuple(refs)
        )
    status: Status = "yes" if result.passed else "partly"
    return Finding(
        status, f"Thresholds enforced by the metrics gate; v{subject.version.version}: {result.detail}", tuple(refs)
    )
