from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "ewevents.backups"
    label = "backups"
    verbose_name = "Backups"

    def ready(self):
        # The daily task registers on import (beat queues it by name).
        from . import tasks  # noqa: F401
