"""Uploaded files the public may see (speaker photos), served from our own host.

Only folders in settings.PUBLIC_MEDIA_FOLDERS are served. Their files are named by their content
(events/photos.py), so a name never changes meaning and browsers and proxies may keep it for a year.
"""

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_GET
from django.views.static import serve

A_YEAR = 365 * 24 * 60 * 60


@require_GET
def public_media(request, path):
    folder, _, name = path.partition("/")
    if folder not in settings.PUBLIC_MEDIA_FOLDERS or not name or "/" in name:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)  # refuses ../ and absolute paths
    response["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    return response
