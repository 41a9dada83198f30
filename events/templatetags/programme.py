"""How the programme lists a day's sessions for the viewer it is rendered for."""

from django import template

from events.selectors import HiddenBlock, programme_rows

register = template.Library()


@register.filter
def as_programme_rows(sessions):
    """A day's sessions with each run of sessions hidden from the viewer as one HiddenBlock."""
    return programme_rows(sessions)


@register.filter
def is_hidden_block(row):
    return isinstance(row, HiddenBlock)


@register.filter
def hides_sessions(days):
    """Whether any of the programme's sessions keeps its details from the viewer."""
    sessions = (session for _, day in days for session in day)
    return any(session.is_attendable and not session.show_details for session in sessions)
