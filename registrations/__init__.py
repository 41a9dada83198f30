"""Registrations: who comes to an event, what they are told, and the staff's work with them.

The parts, each a sub-package whose __init__ says what it owns and may import:
    signup/    registering and managing a registration: form, services, capacity (places), selectors, emails
    outbox/    every email owed: the OutboxEmail model, its one writer, rendering, routing, delivery, tasks
    mailings/  staff mailings, reminders and follow-ups
    eventday/  check-in, reports, exports and the staff pages
    privacy/   retention, personal-data exports, admin history
    admin/     the Django admin
models.py holds the app's models (the outbox's beside its code), door_code.py the code shown at
the door; views.py and urls.py are the public pages, event_page.py the box on an event's page,
accounts.py allauth's adapter (failed logins, password reset by task, account emails in the
outbox) and account_tasks.py its task.
Arrows point down: admin, views and event_page at the top, then eventday and mailings, privacy,
signup, the outbox, models. pyproject.toml's import-linter contracts check them (ARCHITECTURE.md).
"""
