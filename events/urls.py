from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.home, name="home"),
    path("events/past/", views.past_events, name="past_events"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("events/<slug:slug>/programme/", views.programme_print, name="programme_print"),
    path("events/<slug:slug>/speakers/", views.speakers, name="speakers"),
    path("events/<slug:slug>/calendar.ics", views.event_ics, name="event_ics"),
    path("events/<slug:slug>/feed.ics", views.event_feed, name="event_feed"),
    path("events/<slug:slug>/sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("events/<slug:slug>/sessions/<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
    path(
        "events/<slug:slug>/sessions/<int:pk>/materials/<int:material>/",
        views.session_material,
        name="session_material",
    ),
    path("series/<slug:slug>/", views.series_detail, name="series_detail"),
    path("series/<slug:slug>/calendar.ics", views.series_feed, name="series_feed"),
]
