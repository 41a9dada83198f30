"""The trace staff leave: admin history entries for changes, access records for what they took away.

Django's admin writes a LogEntry when staff save a change form; the bulk actions,
imports and the check-in page call log_changes, so each row they changed has an
entry too: who, when, and a message saying what. Every export, participant list, badge
sheet, summary and personal-data export calls record_access, which writes an
AccessRecord: who, what, when, for which event, how many rows.

Neither holds personal data: history entries name registrations and invitations by id
(name_of), not by their str, which shows a name and an address; access records count rows
and name selected registrations by id.
"""

import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from registrations.models import AccessRecord, Invitation, Registration

# Their str names a person (name <email>); history entries name them by id instead.
NAMED_BY_ID = (Registration, Invitation)

# Selected registrations named in an access record, at most: a longer selection is counted only.
IDS_RECORDED = 100


def name_of(obj):
    """The object's name for its history entries: "registration #12" for a person's row, else its str."""
    if isinstance(obj, NAMED_BY_ID):
        return f"{obj._meta.model_name} #{obj.pk}"
    return str(obj)


def log_changes(*, user, objects, message, action_flag=CHANGE):
    """Write one LogEntry by `user` for each of `objects` (model instances), in one query.

    `action_flag` is CHANGE by default, ADDITION for rows an import created, DELETION for
    rows about to be deleted. `message` is a text, or the admin's list of changes. Returns the
    entries written.
    """
    objects = list(objects)
    if not objects:
        return []
    return LogEntry.objects.bulk_create(
        [
            LogEntry(
                user_id=user.pk,
                content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
                object_id=str(obj.pk),
                object_repr=name_of(obj)[:200],
                action_flag=action_flag,
                change_message=json.dumps(message) if isinstance(message, list) else str(message),
            )
            for obj in objects
        ]
    )


def record_access(*, user, what, event=None, rows=0, registration_ids=()):
    """Write the AccessRecord of `user` seeing or exporting `what` (AccessRecord.What) and return it.

    `rows` is how many people's rows it held; `registration_ids`, for an export of a
    selection, which ones (the first IDS_RECORDED, by id).
    """
    ids = sorted(registration_ids)
    detail = ", ".join(f"#{pk}" for pk in ids[:IDS_RECORDED])
    if len(ids) > IDS_RECORDED:
        detail += ", …"
    return AccessRecord.objects.create(user=user, what=what, event=event, rows=rows, detail=detail)
