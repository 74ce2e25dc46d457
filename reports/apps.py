from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Governance reports"

    def ready(self) -> None:
        from mlops_gov.jobs import register_job_kind
        from registry.audit import governance_event
        from reports import (
            evidence,  # noqa: F401 - registers the reports evidence rules
            services,
        )
        from reports.models import GovernanceReport

        governance_event.connect(services.on_governance_event, dispatch_uid="reports.report_on_promotion")
        register_job_kind(
            GovernanceReport,
            requeue=services.report_enqueue,
            fail=lambda pk, message: services.report_fail(report_id=pk, message=message),
        )
