"""Run the drift engine on two files, no database: ``manage.py run_drift_check REFERENCE CURRENT [--json]
[--config FILE] [--target COL] [--prediction COL] [--timestamp COL] [--column-type NAME=KIND ...]
[--typing-from current|reference] [--seed N]``.

Columns are typed as Evidently 0.7 types them, from the current file (``--typing-from reference`` to type from the
reference); ``--json`` shows each column's kind and the rule that gave it. Exit status 0: no dataset drift;
3: dataset drift; 2: input that cannot be checked (one line on stderr naming the file or column and the reason)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Compare CURRENT with REFERENCE (CSV or Parquet) using the project's Evidently-compatible drift engine."
    requires_system_checks: list = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        parser.add_argument("current")
        parser.add_argument("--json", action="store_true", help="Print the full result (and the typing) as JSON.")
        parser.add_argument("--config", help="A JSON file with a drift configuration (DriftConfig keys).")
        parser.add_argument("--target", default="", help="Target column (excluded from drift).")
        parser.add_argument("--prediction", default="", help="Prediction column (excluded from drift).")
        parser.add_argument("--timestamp", default="", help="Timestamp column (excluded from drift).")
        parser.add_argument(
            "--column-type",
            action="append",
            default=[],
            metavar="NAME=KIND",
            help="Type a column by hand: KIND is numerical, categorical or text (repeat for several columns).",
        )
        parser.add_argument(
            "--typing-from",
            choices=("current", "reference"),
            default=None,
            help="Type the columns from the current file (Evidently's default) or from the reference.",
        )
        parser.add_argument("--seed", type=int, default=None, help="Seed of the order-dependent stat tests.")

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {' '.join(str(message).split())}\n")
        sys.exit(2)

    def _config(self, options: dict[str, Any]) -> Any:
        from monitoring.domain.coltypes import TypingError, parse_column_types
        from monitoring.domain.drift import DriftConfig

        data: dict[str, Any] = {}
        if options["config"]:
            try:
                data = json.loads(Path(options["config"]).read_text())
                if not isinstance(data, dict):
                    raise ValueError("The drift configuration must be a JSON object.")
            except (OSError, ValueError, TypeError) as exc:
                self._fail(f"invalid drift configuration {options['config']}: {exc}")
        try:
            if options["column_type"]:
                by_hand = parse_column_types(options["column_type"])
                data["column_types"] = {**(data.get("column_types") or {}), **by_hand}
            for key in ("typing_from", "seed"):
                if options[key] is not None:
                    data[key] = options[key]
            if options["timestamp"]:
                data["timestamp"] = options["timestamp"]
            return DriftConfig.from_dict(data)
        except (TypingError, ValueError, TypeError) as exc:
            where = f" {options['config']}" if options["config"] else ""
            self._fail(f"invalid drift configuration{where}: {exc}")

    def handle(self, *args: Any, **options: Any) -> None:
        from monitoring.domain import ingest
        from monitoring.domain.check import check_frames
        from monitoring.domain.drift import DriftError

        config = self._config(options)
        conf = settings.MLOPS_GOV
        limits = ingest.Limits(conf["UPLOAD_MAX_BYTES"], conf["UPLOAD_MAX_ROWS"], conf["UPLOAD_MAX_COLUMNS"])
        roles = {"target": options["target"], "prediction": options["prediction"], "timestamp": config.timestamp}
        tables: list[ingest.Table] = []
        for label in ("reference", "current"):
            path = Path(options[label])
            try:
                if path.stat().st_size > limits.max_bytes:
                    self._fail(f"{label} file {path} is larger than {limits.max_bytes:,} bytes.")
                data = path.read_bytes()
            except OSError as exc:
                self._fail(f"cannot read {label} file {path}: {exc.strerror or exc}")
            try:
                table = ingest.read_table(
                    data, filename=path.name, limits=limits, roles=roles, column_types=config.column_types
                )
                if tables:
                    table = ingest.conform_to_reference(table, tables[0].schema())
            except ingest.IngestError as exc:
                self._fail(f"{label} file {path}: {exc}")
            tables.append(table)
        reference, current = tables
        try:
            outcome = check_frames(
                reference.frame,
                current.frame,
                config,
                roles=list(reference.roles.values()),
                reference_typing=reference.typing,
                current_typing=current.typing,
            )
        except DriftError as exc:
            self._fail(str(exc))
        result = outcome.result
        if options["json"]:
            self.stdout.write(json.dumps(outcome.to_dict(), indent=2, default=float))
        else:
            width = max(len(c.column) for c in result.columns)
            for c in result.columns:
                flag = "DRIFT" if c.detected else "ok"
                self.stdout.write(
                    f"{c.column:<{width}}  {c.kind:<11}  {c.method:<40}  thr={c.threshold:<8.4g}  "
                    f"score={c.score:<12.6g}  {flag}"
                )
            for typed in outcome.typing:
                if not typed.checked:
                    self.stdout.write(f"{typed.name}: not checked ({typed.rule})")
            verdict = "DATASET DRIFT" if result.dataset_drift else "no dataset drift"
            self.stdout.write(
                f"{result.drifted_count} of {len(result.columns)} columns drifted (share "
                f"{result.share:.3f}, threshold {result.drift_share}): {verdict}"
            )
        sys.stdout.flush()
        sys.exit(3 if result.dataset_drift else 0)
