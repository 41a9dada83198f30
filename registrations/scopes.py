"""The version scopes of the registrations app (ewevents.versions), for caches built from its rows.

``signup:<event id>``: an event's questions and email texts, which every registration reads.

``registrant:<user id>``: the registrations of one account and their session choices;
``registrant-address:<digest>``: those made with one email address (a keyed digest of it,
lower-cased), which a verified address of an account finds too. Registration and
SessionChoice write through querysets that bump them (registrations.models), so a cache
stored with their versions (the events a visitor is registered for, a personal feed's ETag)
is stale after any write.
"""

from django.utils.crypto import salted_hmac

from ewevents import versions


def signup_scope(event_id):
    """An event's registration form and emails as staff set them: its questions and email texts."""
    return f"signup:{event_id}"


def registrant_scope(user_id):
    return f"registrant:{user_id}"


def address_scope(email):
    # Keyed digest, not the address: version keys outlive registrations (and their anonymisation).
    digest = salted_hmac("registrations.scopes.address", email.strip().lower(), algorithm="sha256")
    return f"registrant-address:{digest.hexdigest()[:32]}"


def scopes_of(user_id, email):
    """The scopes of a registration (or session choice) of account `user_id` (or None) made with `email`."""
    scopes = [address_scope(email)] if email else []
    return [registrant_scope(user_id), *scopes] if user_id is not None else scopes


def account_changed(sender, instance, **kwargs):
    """Receiver of the user model's post_save and post_delete: a change of the account (active,
    staff, deleted) may change what is kept under its scope. A signal: the model is Django's."""
    versions.bump([registrant_scope(instance.pk)])
