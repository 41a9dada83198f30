from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("events/<slug:slug>/register/", views.register, name="register"),
    path("events/<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("registrations/mine/", views.my_registrations, name="mine"),
    path("registrations/mine/calendar/reset/", views.reset_calendar_feed, name="reset_calendar_feed"),
    path("calendar/<str:token>.ics", views.personal_feed, name="personal_feed"),
    path("registrations/manage/<str:token>/", views.manage, name="manage"),
    path("registrations/manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("privacy/", views.privacy, name="privacy"),
]
