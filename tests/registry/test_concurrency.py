"""20 concurrent approve/reject calls on one request, real threads, PostgreSQL: exactly one decision outcome."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections

from mlops_gov.roles import ROLE_APPROVER
from registry import audit, services
from registry.models import AuditEvent, ModelVersion, PromotionRequest
from tests.fixtures.personas import make_user
from tests.registry.factories import make_version, set_policy

pytestmark = pytest.mark.django_db(transaction=True)


def _run_threads(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results: list[Any] = [None] * len(args_list)

    def worker(index, args):
        try:
            barrier.wait(timeout=30)
            results[index] = target(*args)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs row locks (SELECT ... FOR UPDATE) and real concurrent writers: PostgreSQL only; CI runs it there",
)
@pytest.mark.parametrize("mix", ["approve-heavy", "reject-heavy"])
def test_twenty_concurrent_decisions_yield_one_outcome(personas, mix):
    set_policy("high", required_gates=["model_card", "metrics"], approvals_required=3)
    model = services.model_create(actor=personas.scientist, name="concurrent", team=personas.team, risk_tier="high")
    version = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    approver_group = Group.objects.get(name=ROLE_APPROVER)
    approvers = [make_user(f"approver{i:02d}", ROLE_APPROVER) for i in range(17)]
    approvers += [personas.approver, personas.approver2, personas.approver3]
    assert all(a.groups.filter(pk=approver_group.pk).exists() for a in approvers)
    reject_every = 7 if mix == "approve-heavy" else 2
    calls = [(a, "reject" if i % reject_every == reject_every - 1 else "approve") for i, a in enumerate(approvers)]
    events_before = AuditEvent.objects.count()

    def decide(user, decision):
        return services.promotion_decide(
            request=PromotionRequest.objects.get(pk=promotion.pk), actor=user, decision=decision
        ).status

    results = _run_threads(decide, calls)
    errors = [r for r in results if isinstance(r, Exception)]
    unexpected = [repr(e) for e in errors if type(e).__name__ != "ConflictError"]
    assert not unexpected, unexpected
    promotion.refresh_from_db()
    assert promotion.status in ("applied", "rejected")
    decisions = list(promotion.decisions.order_by("created_at", "id"))
    approvals = [d for d in decisions if d.decision == "approve"]
    rejections = [d for d in decisions if d.decision == "reject"]
    if promotion.status == "applied":
        assert len(approvals) == 3 and not rejections
    else:
        assert len(rejections) == 1 and len(approvals) < 3 and decisions[-1].decision == "reject"
    assert len(errors) == 20 - len(decisions)
    version = ModelVersion.objects.get(pk=version.pk)
    new = AuditEvent.objects.filter(sequence__gt=events_before)
    stage_changes = new.filter(action="version.stage_changed")
    if promotion.status == "applied":
        assert version.stage == "production"
        assert stage_changes.count() == 1 and new.filter(action="promotion.applied").count() == 1
        assert new.filter(action="promotion.approved").count() == 3
        assert not new.filter(action="promotion.rejected").exists()
    else:
        assert version.stage == "staging" and stage_changes.count() == 0
        assert new.filter(action="promotion.rejected").count() == 1
        assert new.filter(action="promotion.approved").count() == len(approvals)
        assert not new.filter(action="promotion.applied").exists()
    result = audit.audit_verify()
    assert result.ok, result.first_break
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; CI runs it there")
def test_concurrent_audit_appends_stay_linear(personas):
    def append(i):
        return audit.audit_record(action="test.append", object_type="test", object_id=i, actor=personas.admin).sequence

    results = _run_threads(append, [(i,) for i in range(16)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 16
    assert audit.audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; CI runs it there")
def test_verify_during_concurrent_appends_raises_no_false_alarm(personas):
    """The head and the events are read from one snapshot: appends racing a verification are not 'insertions'."""
    stop = threading.Event()

    def append(index):
        n = 0
        while not stop.is_set() and n < 200:
            audit.audit_record(action="test.append", object_type="test", object_id=f"{index}-{n}")
            n += 1
        return n

    def verify(_):
        results = []
        for _ in range(8):
            results.append(audit.audit_verify())
        stop.set()
        return results

    outcomes = _run_threads(
        lambda kind, i: append(i) if kind == "append" else verify(i),
        [("append", 0), ("append", 1), ("append", 2), ("verify", 0)],
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    verifications = outcomes[-1]
    assert all(r.ok for r in verifications), [r.first_break for r in verifications if not r.ok]
    assert audit.audit_verify().ok
