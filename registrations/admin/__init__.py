"""Django admin for registrations: its models, and what it adds to the events' admin.

Owns the admin classes (registrations, outbox, settings; events and sessions with their
registrations; guest lists; mailings; registration questions; the wording of an event's
emails; webinar series with their followers) and their forms.
May import every part of registrations and events; nothing imports it but Django's admin autodiscovery.
"""

from . import email_texts, events, followers, guest_list, mailings, questions, registrations  # noqa: F401 - each module registers its admins
