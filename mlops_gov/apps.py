from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # post_migrate is sent once per app that has models; this project package has none, so listen to all and act
    # after the last one, when every app's permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if not with_models or sender is not with_models[-1]:
        return
    from mlops_gov.roles import sync_roles

    sync_roles(verbosity=kwargs.get("verbosity", 0))


class MlopsGovConfig(AppConfig):
    name = "mlops_gov"
    verbose_name = "mlops-gov"

    def ready(self) -> None:
        # Keep role permissions complete when later migrations add models.
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="mlops_gov.sync_roles")
        # The API keeps JSON types: a number is not text, nor a yes/no (mlops_gov/api/strict.py).
        from mlops_gov.api import strict

        strict.install()
        # A person's saved language follows them into each new log-in (mlops_gov/i18n.py).
        from django.contrib.auth.signals import user_logged_in

        from mlops_gov import i18n

        user_logged_in.connect(i18n.on_login, dispatch_uid="mlops_gov.language_on_login")
