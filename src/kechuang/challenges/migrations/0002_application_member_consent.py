"""Team membership becomes an invitation the member answers (``ApplicationMember``).

Django cannot add ``through=`` to an existing many-to-many field, so the new table is created, the
old rows are copied into it, and the field is replaced. People named before this migration were
shown as members already; they are kept as accepted, answered when the application was submitted.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def keep_members_as_accepted(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    application_model = apps.get_model("challenges", "Application")
    member_model = apps.get_model("challenges", "ApplicationMember")
    old_rows = application_model.members.through.objects.values_list(
        "application_id", "user_id", "application__submitted_at"
    )
    member_model.objects.bulk_create(
        [
            member_model(
                application_id=application_id,
                user_id=user_id,
                status="accepted",
                invited_at=submitted_at,
                decided_at=submitted_at,
            )
            for application_id, user_id, submitted_at in old_rows.iterator()
        ],
        batch_size=1000,
    )


def back_to_plain_members(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # Going back keeps whoever is still connected (accepted or invited): the old field had no answers.
    application_model = apps.get_model("challenges", "Application")
    member_model = apps.get_model("challenges", "ApplicationMember")
    through = application_model.members.through
    rows = member_model.objects.filter(status__in=("invited", "accepted")).values_list("application_id", "user_id")
    through.objects.bulk_create(
        [through(application_id=application_id, user_id=user_id) for application_id, user_id in rows.iterator()],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApplicationMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("invited", "Invited"),
                            ("accepted", "Accepted"),
                            ("declined", "Declined"),
                            ("withdrawn", "Withdrawn"),
                        ],
                        db_index=True,
                        default="invited",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("invited_at", models.DateTimeField(verbose_name="invited")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="answered")),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="challenges.application",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="challenge_team_invitations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "team member",
                "verbose_name_plural": "team members",
                "ordering": ["invited_at", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("application", "user"), name="application_member_once"),
                    models.CheckConstraint(
                        condition=models.Q(("decided_at__isnull", True), ("status", "invited"))
                        | models.Q(models.Q(("status", "invited"), _negated=True), ("decided_at__isnull", False)),
                        name="application_member_answer_dated",
                    ),
                ],
            },
        ),
        migrations.RunPython(keep_members_as_accepted, back_to_plain_members),
        migrations.RemoveField(model_name="application", name="members"),
        migrations.AddField(
            model_name="application",
            name="members",
            field=models.ManyToManyField(
                blank=True,
                related_name="challenge_teams",
                through="challenges.ApplicationMember",
                to=settings.AUTH_USER_MODEL,
                verbose_name="team members",
            ),
        ),
    ]
