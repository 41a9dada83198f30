"""The outbox: every email the site owes, from the row written with the change to the message sent.

Owns the OutboxEmail model, its one writer (services: queue_email, queue_emails), rendering,
routing, delivery and tasks.
May import registrations.models, registrations.door_code and the project package; nothing above it.
"""
