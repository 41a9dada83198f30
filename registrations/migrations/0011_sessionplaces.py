"""Sessions' places: their capacity and confirmed count, owned by registrations, copied from events.Session."""

import django.db.models.deletion
from django.db import migrations, models


def copy_places(apps, schema_editor):
    """One places row per session with a capacity or a confirmed registration; the others need none."""
    Session = apps.get_model("events", "Session")
    SessionPlaces = apps.get_model("registrations", "SessionPlaces")
    rows = [
        SessionPlaces(session_id=pk, capacity=capacity, confirmed_count=count)
        for pk, capacity, count in Session.objects.filter(
            models.Q(capacity__isnull=False) | models.Q(confirmed_count__gt=0)
        ).values_list("pk", "capacity", "confirmed_count")
    ]
    SessionPlaces.objects.bulk_create(rows, batch_size=1000)


def copy_back(apps, schema_editor):
    Session = apps.get_model("events", "Session")
    SessionPlaces = apps.get_model("registrations", "SessionPlaces")
    for places in SessionPlaces.objects.all():
        Session.objects.filter(pk=places.session_id).update(
            capacity=places.capacity, confirmed_count=places.confirmed_count
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_session_confirmed_count"),
        ("registrations", "0010_backfill_session_confirmed_count"),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionPlaces",
            fields=[
                (
                    "session",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="places",
                        serialize=False,
                        to="events.session",
                        verbose_name="session",
                    ),
                ),
                (
                    "capacity",
                    models.PositiveIntegerField(
                        blank=True, help_text="Leave empty for no limit.", null=True, verbose_name="capacity"
                    ),
                ),
                (
                    "confirmed_count",
                    models.PositiveIntegerField(
                        default=0, editable=False, verbose_name="confirmed registrations"
                    ),
                ),
            ],
            options={"verbose_name": "session places", "verbose_name_plural": "session places"},
        ),
        migrations.RunPython(copy_places, copy_back),
    ]
