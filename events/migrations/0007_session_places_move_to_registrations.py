"""A session's capacity and confirmed count now live in registrations.SessionPlaces (copied there first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_session_confirmed_count"),
        ("registrations", "0011_sessionplaces"),
    ]

    operations = [
        migrations.RemoveField(model_name="session", name="capacity"),
        migrations.RemoveField(model_name="session", name="confirmed_count"),
    ]
