"""Event day: checking people in, and the staff's dashboard, lists, badges, summaries and exports.

Owns check-in, per day of the event (writes and reads), reports and exports, and the staff
pages that show them. May import signup, privacy, registrations.models, registrations.door_code
and events; only the admin and urls import it.
"""
