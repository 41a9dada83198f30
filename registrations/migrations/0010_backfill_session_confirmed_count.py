from django.db import migrations
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    """Set each session's confirmed_count from its confirmed registrations, in one UPDATE."""
    Session = apps.get_model("events", "Session")
    Registration = apps.get_model("registrations", "Registration")
    links = Registration.sessions.through.objects
    confirmed = (
        links.filter(session_id=OuterRef("pk"), registration__status="confirmed")
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Session.objects.update(confirmed_count=Coalesce(Subquery(confirmed), Value(0)))


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_session_confirmed_count"),
        ("registrations", "0009_outbox_claim"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
