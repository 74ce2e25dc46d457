"""Create the periodic sweep (django-celery-beat, visible and editable in the admin)."""

from django.db import migrations

SWEEP_NAME = "monitoring: sweep (due checks, stale data, retries)"


def create_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME, defaults={"task": "monitoring.sweep", "interval": every, "enabled": True}
    )


def remove_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_datasets_checks_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_sweep, remove_sweep)]
