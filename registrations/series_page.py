"""The "tell me about new webinars" form on a series' page, added through settings.SERIES_PAGE_ADDITIONS."""

from django.urls import reverse

from events.additions import EventPageAddition

from .following.forms import FollowForm

BOX_TEMPLATE = "registrations/includes/follow_box.html"


def follow_box(request, series):
    """Return the follow form for `series`' page: the same for every visitor (the page may be kept
    whole for anonymous ones), with no CSRF token (see registrations.following.views.follow)."""
    context = {
        "series": series,
        "form": FollowForm(series=series),
        "action": reverse("registrations:follow_series", kwargs={"slug": series.slug}),
    }
    return EventPageAddition(template=BOX_TEMPLATE, context=context)
