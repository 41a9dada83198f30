"""How a session's or event's languages read in a sentence: "In English, interpreted into Spanish"."""

from django.conf import global_settings
from django.utils.translation import get_language, gettext

# Language names as Django's catalogue gives them ("Inglés"); these languages write them in lower
# case inside a sentence ("en inglés").
LOWER_CASE_NAMES = {"es", "ca", "fr", "it", "pt"}
NAMES = dict(global_settings.LANGUAGES)


def language_name(code):
    """The name of language `code` as it reads inside a sentence in the active language."""
    name = gettext(NAMES.get(code, code))
    return name.lower() if (get_language() or "en").split("-")[0] in LOWER_CASE_NAMES else name


def spoken_in(language, interpretation=()):
    """'In English', or 'In English, interpreted into Spanish and French', in the active language."""
    spoken = language_name(language)
    into = [language_name(code) for code in interpretation if code != language]
    if not into:
        return gettext("In %(language)s") % {"language": spoken}
    return gettext("In %(language)s, interpreted into %(languages)s") % {
        "language": spoken,
        "languages": _join(into),
    }


def _join(names):
    if len(names) == 1:
        return names[0]
    return gettext("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
