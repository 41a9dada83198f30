"""Mailings: what staff send to an event's registrants, and what the site sends them on its own.

Owns staff mailings (services), reminders before an event, follow-ups (a time change, a
recording, attendance) and their tasks.
May import signup, outbox, registrations.models and events; the admin and views import it.
"""
