"""The permissions the staff pages ask for (ewevents.staff_only.staff_permission_required).

The admin grants them by user or group; a superuser has them all.
"""

VIEW_REGISTRATIONS = "registrations.view_registration"
# Files of everyone's rows, with needs and diets, leave the site: viewing them is not enough.
EXPORT_PERSONAL_DATA = "registrations.export_registration"
CHECK_IN = "registrations.add_checkin"

# A personal data export shows all of these: staff need to be allowed to view each, and to export.
PERSONAL_DATA = (
    "auth.view_user",
    VIEW_REGISTRATIONS,
    "registrations.view_invitation",
    "registrations.view_outboxemail",
    EXPORT_PERSONAL_DATA,
)
