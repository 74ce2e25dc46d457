from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender, **kwargs) -> None:
    from mlops_gov.roles import sync_roles

    sync_roles(verbosity=kwargs.get("verbosity", 0))


class MlopsGovConfig(AppConfig):
    name = "mlops_gov"
    verbose_name = "mlops-gov"

    def ready(self) -> None:
        # Keep role permissions complete when later migrations add models (runs once, after the last app).
        post_migrate.connect(_sync_roles_after_migrate, sender=self, dispatch_uid="mlops_gov.sync_roles")
