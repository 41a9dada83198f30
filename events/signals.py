"""Signals through which other apps add to events' pages, so that events never imports them."""

from django.dispatch import Signal

# Sent by the event page before it renders, with `request` and `event`. Each receiver returns a
# dict of template variables, doing its reads itself: templates run no queries.
event_page_context = Signal()
