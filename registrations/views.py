"""Registration pages. Being built: each view is completed in its own step."""

from django.http import Http404


def register(request, slug):
    raise Http404


def register_done(request, slug):
    raise Http404


def my_registrations(request):
    raise Http404


def manage(request, token):
    raise Http404


def cancel(request, token):
    raise Http404
