from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Governance reports"

    def ready(self) -> None:
        from registry.audit import governance_event
        from reports import evidence  # noqa: F401 - registers the reports evidence rules
        from reports.services import on_governance_event

        governance_event.connect(on_governance_event, dispatch_uid="reports.report_on_promotion")
