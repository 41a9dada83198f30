"""Staff access records, the permission to export registrations, the authenticator emails'
kinds, and admin history entries that name registrations and invitations by id.

History entries so far named a registration or an invitation by its str, "name <email> –
event"; they are renamed "registration #12" (registrations.privacy.audit.name_of), as new
entries are. Reversing leaves them so: the names are not kept anywhere to put back.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat


def name_history_entries_by_id(apps, schema_editor):
    LogEntry = apps.get_model("admin", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("registration", "invitation"):
        content_type = ContentType.objects.filter(app_label="registrations", model=model).first()
        if content_type is None:
            continue  # a new database: no entries yet
        LogEntry.objects.filter(content_type=content_type).update(
            object_repr=Concat(Value(f"{model} #"), "object_id", output_field=models.CharField())
        )


class Migration(migrations.Migration):

    dependencies = [
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('events', '0007_session_places_move_to_registrations'),
        ('registrations', '0015_outbox_cancel_ics'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='registration',
            options={'ordering': ['created', 'pk'], 'permissions': [('export_registration', "Can export registrations' personal data")], 'verbose_name': 'registration', 'verbose_name_plural': 'registrations'},
        ),
        migrations.AlterField(
            model_name='outboxemail',
            name='kind',
            field=models.CharField(choices=[('registered', 'Registered'), ('waitlisted', 'Waitlisted'), ('awaiting_approval', 'Awaiting approval'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('promoted', 'Promoted from the waiting list'), ('offered', 'Place offered from the waiting list'), ('offer_expired', 'Offered place passed on'), ('changed', 'Changed'), ('cancelled', 'Cancelled'), ('manage_link', 'Manage link for a repeated registration'), ('reminder', 'Reminder before the event'), ('time_changed', 'Time changed'), ('recording_available', 'Recording available'), ('invitation', 'Personal invitation'), ('mailing', 'Mailing'), ('authenticator_added', 'Authenticator app set up'), ('authenticator_removed', 'Authenticator app removed')], max_length=30, verbose_name='kind'),
        ),
        migrations.CreateModel(
            name='AccessRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('what', models.CharField(choices=[('registrations_csv', 'Registrations (CSV)'), ('registrations_excel', 'Registrations (CSV for Excel)'), ('selected_csv', 'Selected registrations (CSV, admin action)'), ('participant_list', 'Participant list'), ('badges', 'Name badges'), ('summary', 'Summary'), ('summary_csv', 'Summary table (CSV)'), ('personal_data', 'Personal data export')], max_length=30, verbose_name='what')),
                ('rows', models.PositiveIntegerField(default=0, verbose_name='rows')),
                ('detail', models.CharField(blank=True, max_length=1000, verbose_name='detail')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='at')),
                ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='events.event', verbose_name='event')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='staff member')),
            ],
            options={
                'verbose_name': 'staff access record',
                'verbose_name_plural': 'staff access records',
                'ordering': ['-at', '-pk'],
            },
        ),
        migrations.RunPython(name_history_entries_by_id, migrations.RunPython.noop),
    ]
