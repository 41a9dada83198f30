"""Writes on events and sessions."""

from django.db.models import F


def record_time_change(*, instance, old_start, old_end):
    """Raise `instance`'s calendar SEQUENCE when its start or end moved; return whether it did.

    `instance` is a saved Event or Session holding its new times; `old_start`
    and `old_end` are the times it had before the save (None for a new row,
    which keeps sequence 0). Saving again with the same times changes nothing,
    so pressing save twice never raises the sequence twice.

    Side effects: one F() update of the row's `sequence` (safe
    against concurrent saves); `instance.sequence` is refreshed to match.
    """
    if old_start is None and old_end is None:
        return False
    if instance.start == old_start and instance.end == old_end:
        return False
    model = type(instance)
    model.objects.filter(pk=instance.pk).update(sequence=F("sequence") + 1)
    instance.sequence = model.objects.values_list("sequence", flat=True).get(pk=instance.pk)
    return True
