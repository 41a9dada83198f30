"""Staff see who follows each webinar series: a count on the series admin, and the followers, read only.

Followers are written only by the follower themselves (registrations.following): staff can
neither add one (no double opt-in) nor change one; they can delete one who asks them to.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import admin as events_admin
from events.models import WebinarSeries
from registrations.following import selectors as followers
from registrations.models import SeriesFollower

admin.site.unregister(WebinarSeries)


@admin.register(WebinarSeries)
class WebinarSeriesAdmin(events_admin.WebinarSeriesAdmin):
    """The events app's series admin plus the number of followers, which events may not import."""

    list_display = [*events_admin.WebinarSeriesAdmin.list_display, "follower_count"]
    readonly_fields = ["followers_link"]

    def get_queryset(self, request):
        return followers.with_follower_counts(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        # The series' form names its fields; the count is shown below them, on a series that exists.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        shown = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "followers_link"]})
            for name, options in fieldsets
        ]
        return [*shown, (_("Followers"), {"fields": ["followers_link"]})]

    @admin.display(description=_("followers"), ordering="follower_total")
    def follower_count(self, obj):
        return obj.follower_total

    @admin.display(description=_("followers"))
    def followers_link(self, obj):
        if obj.pk is None:
            return "—"
        count = followers.active_followers(obj.pk).count()
        text = ngettext(
            "%(count)d person is told about new webinars.",
            "%(count)d people are told about new webinars.",
            count,
        ) % {"count": count}
        url = reverse("admin:registrations_seriesfollower_changelist") + f"?series__id__exact={obj.pk}"
        return format_html('{} <a href="{}">{}</a>', text, url, _("See the followers"))


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("active", _("Following")),
            ("unconfirmed", _("Not confirmed")),
            ("unsubscribed", _("Unsubscribed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
        if self.value() == "unconfirmed":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(SeriesFollower)
class SeriesFollowerAdmin(admin.ModelAdmin):
    list_display = ["email", "series", "language", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = [ActiveFilter, "series"]
    search_fields = ["email"]
    list_select_related = ["series"]
    fields = [
        "series",
        "email",
        "language",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
