from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Maturity assessments"

    def ready(self) -> None:
        from assessments.gates import maturity_gate
        from registry.gates import register_gate

        register_gate("maturity", maturity_gate)
