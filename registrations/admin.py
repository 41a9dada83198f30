"""Staff see registrations, each event's registration settings and the outbox."""

from django.contrib import admin

from .models import OutboxEmail, Registration, RegistrationSettings


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(admin.ModelAdmin):
    list_display = ["event", "mode", "opens_at", "closes_at", "capacity", "confirmed_count"]
    list_filter = ["mode"]
    search_fields = ["event__title"]
    list_select_related = ["event"]
    readonly_fields = ["confirmed_count"]
    autocomplete_fields = ["event"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "status", "attendee_type", "created"]
    list_filter = ["status", "attendee_type", "event__registration_settings__mode", "event"]
    search_fields = ["name", "email", "organisation"]
    list_select_related = ["event"]
    date_hierarchy = "created"
    # Status and places change only through registrations.services, which keep counts and emails right.
    readonly_fields = ["status", "manage_token", "created", "updated", "waitlisted_at", "cancelled_at"]
    raw_id_fields = ["user"]
    filter_horizontal = ["sessions"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["kind", "to_email", "status", "attempts", "created", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "subject"]
    readonly_fields = ["created", "sent_at", "attempts", "last_error"]
    raw_id_fields = ["registration"]
