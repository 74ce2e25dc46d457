from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Model registry"

    def ready(self) -> None:
        from registry import gates  # noqa: F401 - registers the registry's own gates
        from registry.audit import sqlite as audit_sqlite
        from registry.mlflow_api.authentication import connect_signals

        connect_signals()
        audit_sqlite.connect_signals()
