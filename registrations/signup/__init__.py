"""Signing up: registering, managing one's registration, places and the waiting list, the guest list.

Owns the registration form, its defences and every limit's counters (abuse), the writes
(services), places (capacity), reads (selectors), the event's own questions and their answers
(questions), the registrant's emails and calendar feed,
and "your link" requests answered without telling who is registered (link_requests).
May import the outbox, registrations.models and events; never mailings, eventday, privacy, admin or views.
"""
