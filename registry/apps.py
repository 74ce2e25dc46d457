from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Model registry"

    def ready(self) -> None:
        from registry import evidence, gates  # noqa: F401 - register the registry's own gates and evidence rules
        from registry.audit import sqlite as audit_sqlite
        from registry.identity_signals import connect_signals as connect_identity_signals
        from registry.mlflow_api.authentication import connect_signals

        connect_signals()
        audit_sqlite.connect_signals()
        connect_identity_signals()
