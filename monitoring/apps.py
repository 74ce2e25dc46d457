from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from monitoring import (
            checkpoint_sink,
            evidence,  # noqa: F401 - registers the monitoring evidence rules
        )
        from monitoring.gates import drift_gate
        from monitoring.receivers import connect
        from monitoring.services.sweep import register_job_kinds
        from registry.gates import register_gate

        register_gate("drift", drift_gate)
        register_job_kinds()
        connect()
        checkpoint_sink.connect()
