"""The language switcher's view: Django's set_language, without a CSRF token.

Every page carries the switcher (templates/base.html), and pages are
cached whole for visitors without a session: a CSRF token in them would be one visitor's,
served to all. The switcher needs none. Django's view only sets the language cookie, to one
of LANGUAGES, and redirects to a `next` URL on this site; a forged cross-site POST can do
no more than show its victim the site in the other language, which a link to any page can
already do and one click undoes. It changes no data, account or session.
"""

from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language

set_language = csrf_exempt(django_set_language)
