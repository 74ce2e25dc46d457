from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Maturity assessments"

    def ready(self) -> None:
        from assessments import evidence  # noqa: F401 - registers the assessments evidence rules
        from assessments.gates import maturity_gate, measured_maturity_gate
        from registry.gates import register_gate

        register_gate("maturity", maturity_gate)
        register_gate("measured_maturity", measured_maturity_gate)
