from django.urls import path

from . import views

app_name = "registrations"
urlpatterns = [
    path("events/<slug:slug>/register/", views.register, name="register"),
    path("events/<slug:slug>/register/done/", views.register_done, name="register_done"),
    path("registrations/mine/", views.my_registrations, name="mine"),
    path("registrations/manage/<str:token>/", views.manage, name="manage"),
    path("registrations/manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("privacy/", views.privacy, name="privacy"),
]
