"""Registrations arrive with the registration issue; the app exists so the layout is complete."""
