"""Logging filters that keep personal data out of the logs."""

import logging


class DropTemplateContext(logging.Filter):
    """Strip the traceback from django.template's "Exception while resolving variable" records.

    At DEBUG level Django logs each missing template variable with the exception,
    whose text holds the whole template context: a registrant's name, address and
    answers on the pages that show them. The message (variable and template names) stays.
    """

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True
