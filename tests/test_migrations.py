"""Migrations that are safe to run while the old code still serves, and that can be undone.

An upgrade migrates first and restarts the web and workers after (README "Upgrading"), so for a
while the previous release runs on the new schema. Every migration must therefore:

- be reversible: RunPython with a reverse_code, RunSQL with a reverse_sql (`migrations.RunPython.noop`
  where there is nothing to undo), so `migrate <app> <previous>` can step back;
- drop no column or table (RemoveField, DeleteModel): the release that stops using a field keeps
  its column, and a later release drops it, once no running code reads it.

`makemigrations --check` (tests/test_code_quality.py) already fails on models without migrations.
"""

import pytest
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

PROJECT_APPS = {"events", "registrations"}
DROPS = (migrations.RemoveField, migrations.DeleteModel)
# Migrations released before this check, whose drops ran in the release that stopped using the
# columns. Reviewed; a site upgrading across them stops the old code before migrating. Never add to this.
RELEASED_DROPS = {
    # 0.1.0: Session.capacity and confirmed_count, copied to registrations.SessionPlaces by
    # registrations 0011 in the same release.
    ("events", "0007_session_places_move_to_registrations"),
}


def database_operations(operations):
    """The operations that touch the database, looking inside SeparateDatabaseAndState."""
    for operation in operations:
        if isinstance(operation, migrations.SeparateDatabaseAndState):
            yield from database_operations(operation.database_operations)
        else:
            yield operation


def problems(migration):
    """What in `migration` is irreversible or drops a column or table, as readable strings."""
    found = []
    for operation in database_operations(migration.operations):
        if not operation.reversible:
            found.append(f"irreversible {operation.describe()} (give it a reverse, RunPython.noop if right)")
        if isinstance(operation, DROPS) and (migration.app_label, migration.name) not in RELEASED_DROPS:
            found.append(
                f"{operation.describe()} (drop it in a later release than the one that stops using it)"
            )
    return found


def project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        migration for (app, _), migration in sorted(loader.disk_migrations.items()) if app in PROJECT_APPS
    ]


def test_every_migration_is_reversible_and_drops_nothing_the_old_code_reads():
    found = {
        f"{migration.app_label}.{migration.name}": problems(migration)
        for migration in project_migrations()
        if problems(migration)
    }

    assert found == {}
    assert len(project_migrations()) >= 27  # both apps' migrations were read


def forward(apps, schema_editor):
    pass


@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        (migrations.RunPython(forward), "irreversible Raw Python operation"),
        (migrations.RunSQL("UPDATE x SET y = 1"), "irreversible Raw SQL operation"),
        (migrations.RemoveField(model_name="registration", name="employer"), "Remove field employer"),
        (migrations.DeleteModel(name="Invitation"), "Delete model Invitation"),
        (
            migrations.SeparateDatabaseAndState(database_operations=[migrations.RunPython(forward)]),
            "irreversible Raw Python operation",
        ),
    ],
)
def test_the_check_names_an_irreversible_or_dropping_operation(operation, problem):
    migration = type("Migration", (migrations.Migration,), {"operations": [operation]})(
        "0099_new", "registrations"
    )

    assert len(problems(migration)) == 1
    assert problems(migration)[0].startswith(problem)


def test_reversible_operations_and_state_only_removals_pass():
    state_only = migrations.SeparateDatabaseAndState(
        state_operations=[migrations.RemoveField(model_name="registration", name="sessions")]
    )
    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.RunSQL("UPDATE x SET y = 1", reverse_sql=migrations.RunSQL.noop),
        migrations.AddField(model_name="registration", name="x", field=None),
        state_only,
    ]
    migration = type("Migration", (migrations.Migration,), {"operations": operations})(
        "0099_new", "registrations"
    )

    assert problems(migration) == []
