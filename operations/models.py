from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last run of one periodic job (a name in settings.CELERY_BEAT_SCHEDULE), by whoever ran it."""

    class Outcome(models.TextChoices):
        NEVER = "never", _("Never run")
        RUNNING = "running", _("Running")
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("job"), max_length=100, unique=True)
    task = models.CharField(_("task"), max_length=200)
    # When the site began expecting the job: a job that never ran is late counted from here.
    tracked_since = models.DateTimeField(_("tracked since"))
    last_started = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=20, choices=Outcome.choices, default=Outcome.NEVER
    )
    # The exception's class only: a message may hold personal data; the log has the traceback.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    # A run_periodic runner holds the job until then (or until it finishes): no two run it at once.
    running_until = models.DateTimeField(_("held by a runner until"), null=True, blank=True)
    # Set when the site's admins were told the job is late; cleared when it next finishes.
    late_alert_sent_at = models.DateTimeField(_("late alert sent at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job heartbeat")
        verbose_name_plural = _("periodic job heartbeats")

    def __str__(self):
        return self.name
