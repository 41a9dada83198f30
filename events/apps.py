from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and programme")

    def ready(self):
        from allauth.mfa.signals import authenticator_added

        from . import access, page_cache
        from .two_factor import record_new_authenticator

        authenticator_added.connect(record_new_authenticator, dispatch_uid="events.record_new_authenticator")
        page_cache.connect_signals()
        access.connect_signals()
