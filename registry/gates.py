"""Pluggable promotion gates.

The registry defines the interface; other apps contribute gates from their ``AppConfig.ready`` with
``register_gate`` (maturity from assessments, drift from monitoring), so the registry never imports them.
A gate named by a policy but not installed fails with a reason: gates are never skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.models import ModelVersion, PromotionPolicy


@dataclass(frozen=True)
class GateResult:
    name: str
    passed: bool
    detail: str
    # False when the gate passed only because the policy configures nothing for it (e.g. no metric thresholds):
    # pages show it as "not configured", not as a green pass.
    configured: bool = True
    # The ids of what the gate judged (e.g. {"assessment": 12}): an approval binds to them (registry.domain.evidence).
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


GateFunction = Callable[["ModelVersion", "PromotionPolicy"], GateResult]

_GATES: dict[str, GateFunction] = {}


def register_gate(name: str, gate: GateFunction) -> None:
    _GATES[name] = gate


def registered_gate_names() -> list[str]:
    return sorted(_GATES)


def evaluate_gates(version: ModelVersion, policy: PromotionPolicy) -> list[GateResult]:
    results = []
    for name in policy.required_gates or []:
        gate = _GATES.get(name)
        if gate is None:
            results.append(GateResult(name, False, f"No gate named '{name}' is installed; it cannot pass."))
            continue
        try:
            result = gate(version, policy)
        except Exception as exc:  # noqa: BLE001 - a broken gate fails closed, with its reason
            result = GateResult(name, False, f"The gate raised an error: {type(exc).__name__}: {exc}")
        results.append(result)
    return results


# --- Gates the registry itself owns ---------------------------------------------------------------------------------


def model_card_gate(version: ModelVersion, policy: PromotionPolicy) -> GateResult:
    card = getattr(version, "card", None)
    required = list(policy.required_card_fields or [])
    if card is None:
        return GateResult("model_card", False, "The version has no model card.")
    evidence = {"model_card": card.pk, "card_revision": card.revision}
    if not required:
        return GateResult(
            "model_card", True, "The policy requires no model-card fields.", configured=False, evidence=evidence
        )
    missing = [f for f in required if not str(getattr(card, f, "") or "").strip()]
    if missing:
        return GateResult("model_card", False, f"Model card fields missing: {', '.join(missing)}.", evidence=evidence)
    return GateResult(
        "model_card", True, f"All {len(required)} required model-card fields are filled in.", evidence=evidence
    )


def metrics_gate(version: ModelVersion, policy: PromotionPolicy) -> GateResult:
    thresholds = policy.metric_thresholds or {}
    evidence = {"version": version.pk, "metrics": {m: (version.metrics or {}).get(m) for m in sorted(thresholds)}}
    if not thresholds:
        return GateResult("metrics", True, "The policy sets no metric thresholds.", configured=False, evidence=evidence)
    failures, passes = [], []
    for metric, bound in sorted(thresholds.items()):
        value = (version.metrics or {}).get(metric)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            failures.append(f"{metric} not recorded")
            continue
        if "min" in bound and value < bound["min"]:
            failures.append(f"{metric}={value:g} < {bound['min']:g}")
        elif "max" in bound and value > bound["max"]:
            failures.append(f"{metric}={value:g} > {bound['max']:g}")
        else:
            passes.append(f"{metric}={value:g}")
    if failures:
        return GateResult("metrics", False, "Below threshold: " + "; ".join(failures) + ".", evidence=evidence)
    return GateResult("metrics", True, "Thresholds met: " + ", ".join(passes) + ".", evidence=evidence)


register_gate("model_card", model_card_gate)
register_gate("metrics", metrics_gate)
