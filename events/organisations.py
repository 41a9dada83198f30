"""The organisations whose members, and people with a verified address on their domains, are affiliates.

Apart from the programme's models (events.models) because the visibility rule (events.access)
reads them, and the programme's querysets read that rule: this module imports neither.
Every write to these rows starts a new affiliation version (ewevents.versions), which the
affiliate check cached per user is keyed by.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ewevents.versions import VersionedModel, VersionedQuerySet

AFFILIATION = "affiliation"


class AffiliationQuerySet(VersionedQuerySet):
    """Any write changes who may be an affiliate: the one affiliation scope."""

    def scopes_from(self, values):
        return [AFFILIATION]


class Organisation(VersionedModel):
    """An affiliate or monitoring partner; its members see restricted sessions."""

    class Kind(models.TextChoices):
        AFFILIATE = "affiliate", _("Affiliate")
        MONITORING_PARTNER = "monitoring_partner", _("Monitoring partner")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.AFFILIATE)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Members of inactive organisations are not affiliates."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organisations",
        verbose_name=_("members"),
        blank=True,
    )

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class OrganisationDomain(VersionedModel):
    """An email domain: a verified address on it makes a user an affiliate."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="domains", verbose_name=_("organisation")
    )
    domain = models.CharField(
        _("email domain"), max_length=253, unique=True, help_text=_("For example: example.org")
    )

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")
        verbose_name_plural = _("email domains")

    def __str__(self):
        return self.domain

    def clean(self):
        self.domain = self.domain.strip().lower().lstrip("@")
        if "." not in self.domain or "@" in self.domain or " " in self.domain:
            raise ValidationError({"domain": _("Enter a domain such as example.org.")})


class Membership(VersionedModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organisation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation}"
