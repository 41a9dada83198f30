"""Registration.sessions gets a model of its own, SessionChoice, on the table Django made for it.

Each choice then says whether it holds a place in the session or waits for one, and since
when. Existing choices of confirmed registrations hold their places (the counts in
SessionPlaces already count them); all others wait, from when the registration was made.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce


def statuses_from_registrations(apps, schema_editor):
    SessionChoice = apps.get_model("registrations", "SessionChoice")
    Registration = apps.get_model("registrations", "Registration")
    SessionChoice.objects.exclude(registration__status="confirmed").update(status="waiting")
    own = Registration.objects.filter(pk=models.OuterRef("registration_id"))
    SessionChoice.objects.update(
        waiting_since=Coalesce(
            models.Subquery(own.values("waitlisted_at")[:1]), models.Subquery(own.values("created")[:1])
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0007_session_places_move_to_registrations"),
        ("registrations", "0011_sessionplaces"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SessionChoice",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "registration",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="choices",
                                to="registrations.registration",
                                verbose_name="registration",
                            ),
                        ),
                        (
                            "session",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="choices",
                                to="events.session",
                                verbose_name="session",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "session choice",
                        "verbose_name_plural": "session choices",
                        "db_table": "registrations_registration_sessions",
                        "unique_together": {("registration", "session")},
                    },
                ),
                migrations.AlterField(
                    model_name="registration",
                    name="sessions",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="registrations",
                        through="registrations.SessionChoice",
                        to="events.session",
                        verbose_name="sessions",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="sessionchoice",
            name="status",
            field=models.CharField(
                choices=[("confirmed", "Confirmed"), ("waiting", "On the waiting list")],
                default="confirmed",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="sessionchoice",
            name="waiting_since",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="chosen at"),
        ),
        # Before the data: PostgreSQL refuses an index on a table with updates pending checks.
        migrations.AddIndex(
            model_name="sessionchoice",
            index=models.Index(fields=["session", "status", "waiting_since"], name="choice_queue"),
        ),
        migrations.RunPython(statuses_from_registrations, migrations.RunPython.noop),
    ]
