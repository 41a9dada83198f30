"""Requests the site refuses before any view sees them."""

from django.shortcuts import render

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_null(values):
    return any("\x00" in value for value in values if isinstance(value, str))


class RejectNullBytesMiddleware:
    """A NUL character in the path, query or form is never typed by a person, and PostgreSQL
    refuses it in text: answer 400 with a clear page instead of letting a query fail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, *(v for key in request.GET for v in [key, *request.GET.getlist(key)])]
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            values += [v for key in request.POST for v in [key, *request.POST.getlist(key)]]
        if _has_null(values):
            return render(request, "400.html", status=400)
        return self.get_response(request)
