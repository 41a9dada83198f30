"""The table of the "abuse" cache on the embedded default (registrations.AbuseCounter).

Rate-limit and login counters move out of the pages' cache, where a flood of pages could
evict them, into a store of their own that every worker shares (ewevents/cache.py).
Two kinds of outbox email join: the alert to an account's owner about failed logins, and
allauth's own emails (password reset, address confirmation), now outbox rows too.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0016_staff_audit"),
    ]

    operations = [
        migrations.CreateModel(
            name="AbuseCounter",
            fields=[
                ("cache_key", models.CharField(max_length=255, primary_key=True, serialize=False)),
                ("value", models.TextField()),
                ("expires", models.DateTimeField(db_index=True)),
            ],
            options={
                "verbose_name": "abuse counter",
                "verbose_name_plural": "abuse counters",
            },
        ),
        migrations.AlterField(
            model_name="outboxemail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "Registered"),
                    ("waitlisted", "Waitlisted"),
                    ("awaiting_approval", "Awaiting approval"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("promoted", "Promoted from the waiting list"),
                    ("offered", "Place offered from the waiting list"),
                    ("offer_expired", "Offered place passed on"),
                    ("changed", "Changed"),
                    ("cancelled", "Cancelled"),
                    ("manage_link", "Manage link for a repeated registration"),
                    ("reminder", "Reminder before the event"),
                    ("time_changed", "Time changed"),
                    ("recording_available", "Recording available"),
                    ("invitation", "Personal invitation"),
                    ("mailing", "Mailing"),
                    ("login_attempts", "Failed logins to an account"),
                    ("account", "Account email"),
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
    ]
