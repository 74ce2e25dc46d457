"""Governance report benchmark: where the time of one report goes, and the portfolio report at 200 models.

    .venv/bin/python bench/report_bench.py                  # both scenarios, 3 repeats
    .venv/bin/python bench/report_bench.py --repeat 5 --portfolio-models 200 --json var/report_bench.json

Runs on a fresh embedded database (SQLite in a temporary MLOPS_GOV_VAR_DIR), built through the apps' own services:
- model report: one production version with 1,000 audit events concerning its model (model updates through
  ``registry.services.model_update``), 3 submitted assessments (``assessments.services``, the demo's answers),
  30 succeeded drift checks. The first drift check is run for real (``monitoring.services.dataset_upload`` +
  ``check_run``); the other 29 are ORM copies of it (with their per-column results) spread over 30 days, because
  30 real checks would only measure the drift engine. Says so in its output.
- portfolio: N models each taken to production through a real four-eyes promotion.
Each repeat measures, for the same version: data assembly (``reports.selectors.report_context``: queries, chain
verification, other apps' sections and their matplotlib SVG charts), the Django template, then WeasyPrint's own
rendering of that HTML (``HTML(...).write_pdf`` as PDF/A-3b, the stored default). Medians are reported.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["MLOPS_GOV_VAR_DIR"] = tempfile.mkdtemp(prefix="report-bench-")
os.environ.setdefault("MLOPS_GOV_ENV", "development")
os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['MLOPS_GOV_VAR_DIR']}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_gov.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from mlops_gov import context  # noqa: E402
from mlops_gov.roles import ROLE_APPROVER, ROLE_DATA_SCIENTIST  # noqa: E402
from registry import services as registry  # noqa: E402
from registry.choices import MODEL_CARD_FIELDS  # noqa: E402
from registry.models import AuditEvent, ModelVersion  # noqa: E402
from reports import rendering, selectors  # noqa: E402

logging.disable(logging.WARNING)
CARD = {f: f"{f.replace('_', ' ')}: documented in the model's design note." for f in MODEL_CARD_FIELDS}


def user(name: str, *roles: str):
    person = get_user_model().objects.create_user(username=name, password="bench-not-used-1234")
    for role in roles:
        person.groups.add(Group.objects.get(name=role))
    return person


def production_version(name: str, scientist, approver, team) -> ModelVersion:
    model = registry.model_create(
        actor=scientist,
        name=name,
        team=team,
        risk_tier="low",
        description=f"Benchmark model {name}.",
        business_goal="Fewer manual reviews.",
        success_kpi="Review hours per week.",
    )
    version = registry.version_create(
        model=model,
        actor=scientist,
        source_uri=f"s3://bench/{name}/model.skops",
        metrics={"accuracy": 0.93, "f1": 0.91},
    )
    registry.card_update(version=version, actor=scientist, **CARD)
    registry.version_transition(version=version, target="staging", actor=scientist)
    version.refresh_from_db()
    request, _ = registry.promotion_request_create(version=version, actor=scientist, justification="Benchmark.")
    registry.promotion_decide(request=request, actor=approver, decision="approve", comment="Fine.")
    version.refresh_from_db()
    return version


def add_audit_events(version: ModelVersion, scientist, total: int) -> None:
    model = version.model
    missing = total - AuditEvent.objects.filter(model_id=model.pk).count()
    for i in range(max(0, missing)):
        registry.model_update(model=model, actor=scientist, tags={"revision": i})


def add_assessments(version: ModelVersion, scientist) -> str:
    try:
        from assessments import builtin
        from assessments import services as assessments
        from assessments.demo import _answers
        from assessments.models import Framework
    except ImportError as exc:
        return f"assessments app unavailable ({exc}); none created"
    if not Framework.objects.filter(is_current=True).exists():
        builtin.load()
    framework = Framework.objects.get(slug="lifecycle", is_current=True)
    for level in (0.3, 0.5, 0.7):
        assessment = assessments.assessment_create(model=version.model, actor=scientist, model_version=version)
        assessments.answers_save(
            assessment=assessment, actor=scientist, answers=_answers(framework, level, 1, version.model.name)
        )
        assessments.assessment_submit(assessment=assessment, actor=scientist)
    return "3 lifecycle assessments through assessments.services"


def add_drift_checks(version: ModelVersion, scientist, total: int) -> str:
    try:
        import numpy as np
        import pandas as pd

        from monitoring import services as monitoring
        from monitoring.models import ColumnResult, DriftCheck
    except ImportError as exc:
        return f"monitoring app unavailable ({exc}); none created"
    rng = np.random.default_rng(7)
    cols = {f"feature_{i}": rng.normal(0, 1, 2000) for i in range(12)}
    reference = pd.DataFrame(cols)
    current = reference + rng.normal(0.4, 0.2, reference.shape) * (np.arange(12) % 3 == 0)
    ref = monitoring.dataset_upload(
        version=version,
        kind="reference",
        data=reference.to_csv(index=False).encode(),
        filename="reference.csv",
        actor=scientist,
    )
    cur = monitoring.dataset_upload(
        version=version,
        kind="current",
        data=current.to_csv(index=False).encode(),
        filename="current.csv",
        actor=scientist,
        reference=ref,
        trigger_check=False,
    )
    check = monitoring.check_create(version=version, current=cur, actor=scientist, enqueue=False)
    monitoring.check_run(check_id=check.pk)
    check.refresh_from_db()
    results = list(ColumnResult.objects.filter(check_run=check))
    now = timezone.now()
    for i in range(1, total):
        copy = DriftCheck.objects.get(pk=check.pk)
        copy.pk = None
        copy.created_at = copy.started_at = now - timedelta(days=i)
        copy.finished_at = copy.started_at + timedelta(seconds=2)
        copy.dataset_drift = i % 4 == 0
        copy.drift_share = (i % 7) / 12
        copy.save()
        ColumnResult.objects.bulk_create(
            [
                ColumnResult(
                    check_run=copy,
                    column=r.column,
                    kind=r.kind,
                    method=r.method,
                    threshold=r.threshold,
                    score=r.score,
                    detected=r.detected,
                    distribution=r.distribution,
                )
                for r in results
            ]
        )
    return f"1 real drift check ({check.status}) + {total - 1} ORM copies with their column results"


def baseline_renderer(rev: str):
    """The report's template, print CSS and audit-event listing as they were at git revision ``rev``, rendered from
    today's context: the same data laid out the earlier way, to time side by side in one process."""
    import subprocess
    import types

    from django.template import engines

    def show(path: str) -> str:
        shown = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True)
        return shown.stdout

    css = show("templates/reports/_print.css")
    template = engines["django"].from_string(
        show("templates/reports/report.html").replace('{% include "reports/_print.css" %}', css)
    )
    text = types.ModuleType("baseline_text")
    sys.modules[text.__name__] = text  # its dataclasses look their module up
    exec(compile(show("reports/domain/text.py"), f"{rev}:reports/domain/text.py", "exec"), text.__dict__)

    def render(ctx: dict, rows: list[tuple]) -> str:
        return template.render({**ctx, "for_pdf": True, "events_listing": text.event_listing(rows)})

    return render


def _event_rows(version: ModelVersion) -> list[tuple]:
    import datetime as dt

    events = AuditEvent.objects.filter(model_id=version.model_id).order_by("-sequence")
    rows = events.values_list("sequence", "occurred_at", "actor_name", "channel", "action", "object_repr", "hash")
    return [
        (seq, when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"), actor, via, action, obj, digest[:12])
        for seq, when, actor, via, action, obj, digest in reversed(rows[:1000])
    ]


def measure_model(version: ModelVersion, repeat: int, save: str = "", baseline: str = "") -> dict:
    runs = []
    render_baseline = baseline_renderer(baseline) if baseline else None
    for _ in range(repeat):
        version = ModelVersion.objects.select_related("model__owner", "model__team", "created_by", "card").get(
            pk=version.pk
        )
        t0, c0 = time.perf_counter(), time.process_time()
        ctx = selectors.report_context(version=version, generated_by="bench", variant="pdf/a-3b")
        t1 = time.perf_counter()
        html = rendering.render_html(rendering.MODEL_TEMPLATE, ctx, for_pdf=True)
        t2, c2 = time.perf_counter(), time.process_time()
        pdf = rendering.html_to_pdf(html, variant="pdf/a-3b")
        t3, c3 = time.perf_counter(), time.process_time()
        if save:
            Path(save).write_bytes(pdf)
        run = {
            "assembly": t1 - t0,
            "template": t2 - t1,
            "weasyprint": t3 - t2,
            "total": t3 - t0,
            "cpu_weasyprint": c3 - c2,
            "cpu_total": c3 - c0,
            "html_bytes": len(html),
            "pdf_bytes": len(pdf),
            "pages": _pages(pdf),
        }
        if render_baseline is not None:
            # Interleaved with the current layout, from the same context: the earlier template, CSS and listing.
            b0 = time.perf_counter()
            old_html = render_baseline(ctx, _event_rows(version))
            b1, d1 = time.perf_counter(), time.process_time()
            old_pdf = rendering.html_to_pdf(old_html, variant="pdf/a-3b")
            b2, d2 = time.perf_counter(), time.process_time()
            run.update(
                baseline_template=b1 - b0,
                baseline_weasyprint=b2 - b1,
                baseline_cpu_weasyprint=d2 - d1,
                baseline_pages=_pages(old_pdf),
            )
        runs.append(run)
    return _summary(runs)


def measure_portfolio(repeat: int) -> dict:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        ctx = selectors.portfolio_context(generated_by="bench", variant="pdf/a-3b")
        t1 = time.perf_counter()
        html = rendering.render_html(rendering.PORTFOLIO_TEMPLATE, ctx, for_pdf=True)
        t2 = time.perf_counter()
        pdf = rendering.html_to_pdf(html, variant="pdf/a-3b")
        t3 = time.perf_counter()
        runs.append(
            {
                "assembly": t1 - t0,
                "template": t2 - t1,
                "weasyprint": t3 - t2,
                "total": t3 - t0,
                "rows": len(ctx["rows"]),
                "pdf_bytes": len(pdf),
                "pages": _pages(pdf),
            }
        )
    return _summary(runs)


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _summary(runs: list[dict]) -> dict:
    out = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    out["outside_weasyprint_share"] = (out["assembly"] + out["template"]) / out["total"]
    out["runs"] = runs
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--checks", type=int, default=30)
    parser.add_argument("--portfolio-models", type=int, default=200)
    parser.add_argument("--json", default="")
    parser.add_argument("--save-pdf", default="", help="Write the model report PDF here (to look at it).")
    parser.add_argument(
        "--baseline",
        default="",
        help="A git revision: also lay out the model report with that revision's template, print CSS and event "
        "listing (same data, interleaved with the current one) and print both.",
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    with context.acting(channel="cli"):
        scientist, approver = user("sam", ROLE_DATA_SCIENTIST), user("alice", ROLE_APPROVER)
        team = registry.team_create(name="Bench team", members=[scientist])
        t = time.perf_counter()
        version = production_version("bench-model", scientist, approver, team)
        notes = {
            "assessments": add_assessments(version, scientist),
            "drift_checks": add_drift_checks(version, scientist, args.checks),
        }
        add_audit_events(version, scientist, args.events)
        events = AuditEvent.objects.filter(model_id=version.model_id).count()
        print(f"model data built in {time.perf_counter() - t:.1f} s: {events} audit events; {notes}")
        model = measure_model(version, args.repeat, args.save_pdf, args.baseline)
        print(_line("model report", model))
        if args.baseline:
            print(
                f"  WeasyPrint, same HTML data, interleaved: current {model['weasyprint']:.2f} s "
                f"(CPU {model['cpu_weasyprint']:.2f} s, {model['pages']:.0f} pages) vs {args.baseline} "
                f"{model['baseline_weasyprint']:.2f} s (CPU {model['baseline_cpu_weasyprint']:.2f} s, "
                f"{model['baseline_pages']:.0f} pages): current/baseline "
                f"{model['weasyprint'] / model['baseline_weasyprint']:.2f} wall, "
                f"{model['cpu_weasyprint'] / model['baseline_cpu_weasyprint']:.2f} CPU"
            )
        t = time.perf_counter()
        for i in range(1, args.portfolio_models):
            production_version(f"portfolio-{i:03d}", scientist, approver, team)
        print(f"portfolio data built in {time.perf_counter() - t:.1f} s")
        portfolio = measure_portfolio(args.repeat)
        print(_line(f"portfolio ({portfolio['rows']:.0f} models)", portfolio))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {peak_mb:.0f} MB; python {platform.python_version()}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "model": model,
                    "portfolio": portfolio,
                    "notes": notes,
                    "audit_events": events,
                    "peak_rss_mb": peak_mb,
                },
                indent=2,
            )
        )


def _line(label: str, s: dict) -> str:
    return (
        f"{label}: total {s['total']:.2f} s = assembly {s['assembly']:.2f} + template {s['template']:.2f} + "
        f"WeasyPrint {s['weasyprint']:.2f}; outside WeasyPrint {s['outside_weasyprint_share']:.0%}; "
        f"{s['pages']:.0f} pages, {s['pdf_bytes'] / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
