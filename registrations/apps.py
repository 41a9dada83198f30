from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # Celery tasks register on import; services queue them by name (ewevents.celery.enqueue),
        # so the tasks are imported here, where the web process and the workers both run.
        from allauth.mfa import signals as mfa_signals
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from ewevents.cache import keep_allauth_counters_in_abuse_store

        from . import (
            account_notices,
            account_tasks,  # noqa: F401
        )
        from .mailings import tasks as mailing_tasks  # noqa: F401
        from .outbox import tasks as outbox_tasks  # noqa: F401
        from .privacy import tasks as privacy_tasks  # noqa: F401
        from .scopes import account_changed
        from .signup import tasks as signup_tasks  # noqa: F401

        keep_allauth_counters_in_abuse_store()
        # What is kept under an account's scope (its personal feed's ETag) depends on it being
        # active, staff or there at all (registrations.scopes).
        post_save.connect(account_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="account.saved")
        post_delete.connect(account_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid="account.deleted")
        # Whoever sets up or removes an authenticator app, the account's owner is told (account_notices).
        mfa_signals.authenticator_added.connect(
            account_notices.authenticator_added, dispatch_uid="registrations.authenticator_added"
        )
        mfa_signals.authenticator_removed.connect(
            account_notices.authenticator_removed, dispatch_uid="registrations.authenticator_removed"
        )
