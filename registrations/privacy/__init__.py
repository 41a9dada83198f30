"""Privacy: retention and anonymisation, "delete my data", personal-data exports and the admin history.

Owns retention, personal_data, audit and their task.
May import signup, the outbox, registrations.models and events; never mailings, eventday, admin or views.
"""
