from django.urls import path

from . import views
from .eventday import checkin_views
from .eventday import views as staff_views
from .eventday.dashboard import views as dashboard_views
from .following import views as follow_views

app_name = "registrations"
urlpatterns = [
    path("events/<slug:slug>/register/", views.register, name="register"),
    path("events/<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("registrations/mine/", views.my_registrations, name="mine"),
    path("registrations/mine/calendar/reset/", views.reset_calendar_feed, name="reset_calendar_feed"),
    path("calendar/<str:token>.ics", views.personal_feed, name="personal_feed"),
    path("registrations/find/", views.request_manage_link, name="request_manage_link"),
    path("registrations/find/sent/", views.manage_link_sent, name="manage_link_sent"),
    path("registrations/manage/<str:token>/", views.manage, name="manage"),
    path("registrations/manage/<str:token>/calendar.ics", views.manage_ics, name="manage_ics"),
    path("registrations/manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("registrations/manage/<str:token>/accept/", views.accept_offer, name="accept_offer"),
    path("registrations/manage/<str:token>/delete/", views.delete_data, name="delete_data"),
    path("privacy/", views.privacy, name="privacy"),
    path("series/<slug:slug>/follow/", follow_views.follow, name="follow_series"),
    path("series/<slug:slug>/follow/sent/", follow_views.follow_sent, name="follow_sent"),
    path("follow/confirm/<str:token>/", follow_views.confirm, name="follow_confirm"),
    path("follow/unsubscribe/<str:token>/", follow_views.unsubscribe, name="follow_unsubscribe"),
    path("staff/personal-data/", staff_views.personal_data_export, name="staff_personal_data"),
    path("staff/events/<slug:slug>/dashboard/", dashboard_views.dashboard, name="staff_dashboard"),
    path("staff/events/<slug:slug>/summary/", staff_views.summary, name="staff_summary"),
    path(
        "staff/events/<slug:slug>/summary/<slug:table>.csv", staff_views.summary_csv, name="staff_summary_csv"
    ),
    path(
        "staff/events/<slug:slug>/registrations.csv",
        staff_views.registrations_export,
        name="staff_registrations_csv",
    ),
    path(
        "staff/events/<slug:slug>/registrations-excel.csv",
        staff_views.registrations_excel_export,
        name="staff_registrations_excel",
    ),
    path(
        "staff/events/<slug:slug>/registrations.xlsx",
        staff_views.registrations_xlsx_export,
        name="staff_registrations_xlsx",
    ),
    path("staff/registrations/season/", staff_views.season_export, name="staff_season_export"),
    path(
        "staff/events/<slug:slug>/participants/", staff_views.participant_list, name="staff_participant_list"
    ),
    path("staff/events/<slug:slug>/badges/", staff_views.badges, name="staff_badges"),
    path("staff/events/<slug:slug>/check-in/", checkin_views.checkin_page, name="checkin"),
    path("staff/events/<slug:slug>/check-in/code/", checkin_views.check_in_by_code, name="checkin_code"),
    path("staff/events/<slug:slug>/check-in/<int:pk>/", checkin_views.mark_present, name="checkin_present"),
    path("staff/events/<slug:slug>/check-in/<int:pk>/undo/", checkin_views.undo_present, name="checkin_undo"),
]
