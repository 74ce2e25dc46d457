"""Run the drift engine on two files, no database: ``manage.py run_drift_check REFERENCE CURRENT [--json]
[--config FILE]``. Exit status 0: no dataset drift; 3: dataset drift; 2: bad input (one line on stderr)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compare CURRENT with REFERENCE (CSV or Parquet) using the project's Evidently-compatible drift engine."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("reference")
        parser.add_argument("current")
        parser.add_argument("--json", action="store_true", help="Print the full result as JSON.")
        parser.add_argument("--config", help="A JSON file with a drift configuration (DriftConfig keys).")
        parser.add_argument("--target", default="", help="Target column (excluded from drift).")
        parser.add_argument("--prediction", default="", help="Prediction column (excluded from drift).")

    def _fail(self, message: str) -> None:
        sys.stderr.write(f"error: {message}\n")
        sys.exit(2)

    def handle(self, *args, **options):
        from monitoring.domain import ingest
        from monitoring.domain.drift import DriftConfig, compute_drift
        from monitoring.domain.profile import ReferenceProfile

        conf = settings.MLOPS_GOV
        limits = ingest.Limits(conf["UPLOAD_MAX_BYTES"], conf["UPLOAD_MAX_ROWS"], conf["UPLOAD_MAX_COLUMNS"])
        roles = {"target": options["target"], "prediction": options["prediction"]}
        tables = []
        for label in ("reference", "current"):
            path = Path(options[label])
            try:
                if path.stat().st_size > limits.max_bytes:
                    self._fail(f"{label} file {path} is larger than {limits.max_bytes:,} bytes.")
                data = path.read_bytes()
            except OSError as exc:
                self._fail(f"cannot read {label} file {path}: {exc.strerror or exc}")
            try:
                table = ingest.read_table(data, filename=path.name, limits=limits, roles=roles)
                if tables:
                    table = ingest.conform_to_reference(table, tables[0].schema())
            except ingest.IngestError as exc:
                self._fail(f"{label} file {path}: {exc}")
            tables.append(table)
        config = DriftConfig()
        if options["config"]:
            try:
                config = DriftConfig.from_dict(json.loads(Path(options["config"]).read_text()))
            except (OSError, ValueError, TypeError) as exc:
                self._fail(f"invalid drift configuration {options['config']}: {exc}")
        reference, current = tables
        names = [c.name for c in reference.features]
        profile = ReferenceProfile.from_frame(reference.frame[names], reference.features)
        result = compute_drift(profile, current.frame[names], config)
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, default=float))
        else:
            width = max(len(n) for n in names)
            for c in result.columns:
                flag = "DRIFT" if c.detected else "ok"
                self.stdout.write(
                    f"{c.column:<{width}}  {c.kind:<11}  {c.method:<40}  thr={c.threshold:<8.4g}  "
                    f"score={c.score:<12.6g}  {flag}"
                )
            verdict = "DATASET DRIFT" if result.dataset_drift else "no dataset drift"
            self.stdout.write(
                f"{result.drifted_count} of {len(result.columns)} columns drifted (share "
                f"{result.share:.3f}, threshold {result.drift_share}): {verdict}"
            )
        sys.stdout.flush()
        sys.exit(3 if result.dataset_drift else 0)
