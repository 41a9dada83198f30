"""The admin history of what staff did to registrations and invitations outside the change form.

Django's admin writes a LogEntry when staff save a change form; the bulk actions,
imports and the check-in page call log_changes, so each row they changed has an
entry too: who, when, and a message saying what. The message never holds personal
data: the entry's object name (its str) is the only one, as for Django's own entries.
"""

from django.contrib.admin.models import CHANGE, LogEntry


def log_changes(*, user, objects, message, action_flag=CHANGE):
    """Write one LogEntry by `user` for each of `objects` (model instances), in one query.

    `action_flag` is CHANGE by default, or ADDITION for rows an import created.
    Returns the entries written.
    """
    objects = list(objects)
    if not objects:
        return []
    return LogEntry.objects.log_actions(
        user_id=user.pk, queryset=objects, action_flag=action_flag, change_message=str(message)
    )
