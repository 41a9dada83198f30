from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import registered_events
        from .models import Registration

        post_save.connect(
            registered_events.forget, sender=Registration, dispatch_uid="registrations.forget.save"
        )
        post_delete.connect(
            registered_events.forget, sender=Registration, dispatch_uid="registrations.forget.delete"
        )
