from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and programme")

    def ready(self):
        from allauth.account.models import EmailAddress
        from allauth.mfa.signals import authenticator_added, authenticator_removed
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from ewevents.auth_backends import forget_user
        from ewevents.versions import m2m_changed_receiver

        from .access import affiliation_changed
        from .models import Event
        from .two_factor import forget_removed_authenticator, record_new_authenticator

        authenticator_added.connect(record_new_authenticator, dispatch_uid="events.record_new_authenticator")
        authenticator_removed.connect(
            forget_removed_authenticator, dispatch_uid="events.forget_removed_authenticator"
        )
        # Logged-in users are kept in the cache between requests (ewevents/auth_backends.py).
        post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="events.forget_user.save")
        post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="events.forget_user.delete")
        # The only hooks for two kinds of write the page cache must see (the other models the pages
        # show write through ewevents.versions): Django's own table of Event.topics, and allauth's
        # email addresses, whose verification can make someone an affiliate.
        m2m_changed.connect(m2m_changed_receiver, sender=Event.topics.through, dispatch_uid="events.topics")
        post_save.connect(affiliation_changed, sender=EmailAddress, dispatch_uid="events.affiliation.save")
        post_delete.connect(
            affiliation_changed, sender=EmailAddress, dispatch_uid="events.affiliation.delete"
        )
