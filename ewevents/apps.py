from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin app, with the project's site as `admin.site`, where every app registers:
    it answers logged-in users without staff status with a 403 page (ewevents/staff_only.py)."""

    default_site = "ewevents.staff_only.StaffOnlyAdminSite"
