"""Measured maturity: measurements and observations, the frozen observations of a submitted assessment, and the
daily measuring schedule (django-celery-beat, visible and editable in the admin)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

MEASURE_NAME = "assessments: measure maturity from evidence (daily)"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    PeriodicTask.objects.get_or_create(
        name=MEASURE_NAME, defaults={"task": "assessments.measure_all", "crontab": daily, "enabled": True}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=MEASURE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("assessments", "0002_assessment_model_cascade"),
        ("registry", "0005_audit_links_covering_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="Measurement",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("trigger", models.CharField(default="beat", max_length=16)),
                ("measured_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                (
                    "score",
                    models.FloatField(
                        blank=True, help_text="Normalised measured score (0..1); empty if none.", null=True
                    ),
                ),
                ("label", models.CharField(blank=True, max_length=200)),
                ("observed", models.PositiveIntegerField(default=0, help_text="Questions observed.")),
                (
                    "observable",
                    models.PositiveIntegerField(default=0, help_text="Questions of the framework that name a rule."),
                ),
                ("result", models.JSONField(blank=True, default=dict)),
                (
                    "framework",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="measurements",
                        to="assessments.framework",
                    ),
                ),
                (
                    "model",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="measurements",
                        to="registry.registeredmodel",
                    ),
                ),
                (
                    "model_version",
                    models.ForeignKey(
                        blank=True,
                        help_text="The version the rules judged (production if any).",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="measurements",
                        to="registry.modelversion",
                    ),
                ),
            ],
            options={
                "ordering": ["-measured_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="assessment",
            name="measurement",
            field=models.ForeignKey(
                blank=True,
                help_text="The observations frozen with the submission (what the platform saw then).",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="assessments.measurement",
            ),
        ),
        migrations.CreateModel(
            name="Observation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("question_id", models.CharField(max_length=64)),
                ("rule", models.CharField(max_length=100)),
                ("rule_version", models.PositiveIntegerField()),
                (
                    "status",
                    models.CharField(choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")], max_length=8),
                ),
                (
                    "value",
                    models.FloatField(help_text="The answer value the status stands for on the question's scale."),
                ),
                ("detail", models.TextField(blank=True)),
                ("evidence", models.JSONField(blank=True, default=list, help_text='[{"kind", "id", "label", "url"}]')),
                ("observed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "measurement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="observations",
                        to="assessments.measurement",
                    ),
                ),
            ],
            options={
                "ordering": ["measurement", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="measurement",
            index=models.Index(fields=["model", "framework", "measured_at"], name="assessments_measured_latest"),
        ),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.UniqueConstraint(
                fields=("measurement", "question_id"), name="assessments_one_observation_per_q"
            ),
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
