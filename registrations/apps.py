from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # Celery tasks register on import; services queue them by name (ewevents.celery.enqueue),
        # so the tasks are imported here, where the web process and the workers both run.
        from django.db.models.signals import post_delete, post_save

        from events.page_cache import places_changed, register_hole
        from events.signals import event_page_context

        from .mailings import tasks as mailing_tasks  # noqa: F401
        from .models import Registration, RegistrationSettings
        from .outbox import tasks as outbox_tasks  # noqa: F401
        from .privacy import tasks as privacy_tasks  # noqa: F401
        from .signup import registered_events
        from .templatetags.registration_tags import own_registration_box, registration_box_context

        event_page_context.connect(registration_box_context, dispatch_uid="registrations.registration_box")
        register_hole("registration-box", own_registration_box)
        post_save.connect(
            registered_events.forget, sender=Registration, dispatch_uid="registrations.forget.save"
        )
        post_delete.connect(
            registered_events.forget, sender=Registration, dispatch_uid="registrations.forget.delete"
        )
        # Whole cached pages show places left and whether registration is open.
        for model in (Registration, RegistrationSettings):
            uid = f"registrations.places_changed.{model.__name__}"
            post_save.connect(places_changed, sender=model, dispatch_uid=f"{uid}.save")
            post_delete.connect(places_changed, sender=model, dispatch_uid=f"{uid}.delete")
