"""The table of the "abuse" cache on the embedded default (registrations.AbuseCounter).

Rate-limit and login counters move out of the pages' cache, where a flood of pages could
evict them, into a store of their own that every worker shares (ewevents/cache.py).
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
    ]
