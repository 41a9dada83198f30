from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and programme")

    def ready(self):
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from ewevents.auth_backends import forget_user

        from . import access, page_cache
        from .two_factor import record_new_authenticator

        authenticator_added.connect(record_new_authenticator, dispatch_uid="events.record_new_authenticator")
        # Logged-in users are kept in the cache between requests (ewevents/auth_backends.py).
        post_save.connect(forget_user, sender=get_user_model(), dispatch_uid="events.forget_user.save")
        post_delete.connect(forget_user, sender=get_user_model(), dispatch_uid="events.forget_user.delete")
        page_cache.connect_signals()
        access.connect_signals()
