"""A door code of its own for each registration, and check-ins per day of the event.

Until now the QR code at the door held the manage token, which opens, changes and
cancels a registration, and a registration had one check-in. This gives every
registration a door code (registrations.door_code) that only checks in, and records
check-ins as CheckIn rows, one per registration and day; each registration already
checked in at an in-person event gets the check-in it had, on its day in the event's zone.

The codes are filled in batches by primary key, so a large table is never read at once;
any duplicate (one in about 10^12 pairs) is drawn again before the column becomes unique.
"""

import secrets
import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count

import registrations.models

# Frozen copies: the models' may change; what this migration writes may not.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
BATCH = 2000


def _code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def _in_batches(queryset):
    """Yield lists of at most BATCH rows of `queryset`, by primary key, reading one batch at a time."""
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def fill_door_codes(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    for batch in _in_batches(Registration.objects.filter(door_code__isnull=True).only("pk")):
        for registration in batch:
            registration.door_code = _code()
        Registration.objects.bulk_update(batch, ["door_code"])
    while True:
        repeated = list(
            Registration.objects.values("door_code")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list("door_code", flat=True)
        )
        if not repeated:
            return
        for registration in Registration.objects.filter(door_code__in=repeated).only("pk"):
            registration.door_code = _code()
            registration.save(update_fields=["door_code"])


def record_past_check_ins(apps, schema_editor):
    """One CheckIn per registration of an in-person event with attended_at, on that day in its zone."""
    Registration = apps.get_model("registrations", "Registration")
    CheckIn = apps.get_model("registrations", "CheckIn")
    attended = (
        Registration.objects.filter(attended_at__isnull=False)
        .exclude(event__kind="webinar")
        .only("pk", "attended_at", "event__time_zone")
        .select_related("event")
    )
    for batch in _in_batches(attended):
        CheckIn.objects.bulk_create(
            [
                CheckIn(
                    registration_id=registration.pk,
                    day=registration.attended_at.astimezone(
                        zoneinfo.ZoneInfo(registration.event.time_zone)
                    ).date(),
                    checked_in_at=registration.attended_at,
                )
                for registration in batch
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0013_place_offers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="door_code",
            field=models.CharField(editable=False, max_length=12, null=True, verbose_name="door code"),
        ),
        migrations.RunPython(fill_door_codes, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="registration",
            name="door_code",
            field=models.CharField(
                default=registrations.models.new_door_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="door code",
            ),
        ),
        migrations.CreateModel(
            name="CheckIn",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "day",
                    models.DateField(help_text="The day of the event, in the event's time zone.", verbose_name="day"),
                ),
                ("checked_in_at", models.DateTimeField(verbose_name="checked in at")),
                (
                    "checked_in_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="checked in by",
                    ),
                ),
                (
                    "registration",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="checkins",
                        to="registrations.registration",
                        verbose_name="registration",
                    ),
                ),
            ],
            options={
                "verbose_name": "check-in",
                "verbose_name_plural": "check-ins",
                "ordering": ["day", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("registration", "day"), name="one_checkin_per_registration_and_day"
                    )
                ],
            },
        ),
        migrations.RunPython(record_past_check_ins, migrations.RunPython.noop),
    ]
