"""Rendering an email from its templates: ``<kind>_subject.txt``, ``_message.txt``, ``_message.html``."""

import re

from django.template.loader import render_to_string

TEMPLATE_DIR = "registrations/email"


def content(*, subject, body_text, body_html, ics="", cancel_ics=""):
    """What an outbox row holds of its email, as queue_email takes it: subject, bodies, calendar files."""
    return {
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "ics": ics,
        "cancel_ics": cancel_ics,
    }


def render(kind, context, *, ics="", cancel_ics="", template_dir=TEMPLATE_DIR, subject=None):
    """Render the three templates of `kind` with `context`, in the active language; return its content.

    `subject`, when given (staff wrote one), is used instead of the subject template. The
    subject becomes one line whatever the template's (or an event title's) whitespace:
    headers must be one line.
    """
    if subject is None:
        subject = render_to_string(f"{template_dir}/{kind}_subject.txt", context)
    body_text = render_to_string(f"{template_dir}/{kind}_message.txt", context)
    body_html = render_to_string(f"{template_dir}/{kind}_message.html", context)
    return content(
        subject=" ".join(subject.split()),
        body_text=body_text.strip() + "\n",
        body_html=body_html,
        ics=ics,
        cancel_ics=cancel_ics,
    )


_INLINE_STYLES = re.compile(r'<style\b.*?</style>|\sstyle="[^"]*"', re.IGNORECASE | re.DOTALL)


def without_inline_styles(html):
    """An email's HTML (our own templates') for showing inside one of our pages.

    Mail clients need the styles inline; our pages' policy refuses inline styles, and an iframe's
    srcdoc inherits its page's policy. So a preview shows the email's content and links without
    its colours rather than make the browser refuse them one by one.
    """
    return _INLINE_STYLES.sub("", html)
