"""Event day: checking people in, and the staff's lists, badges, summaries and exports.

Owns check-in (writes and reads), reports and exports, and the staff pages that show them.
May import signup, privacy, registrations.models and events; only the admin and urls import it.
"""
