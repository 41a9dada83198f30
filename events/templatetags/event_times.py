"""Template tags that render stored instants in an event's zone, inside <time> elements."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html

from events.times import date_pattern, zone_label, zoned_range

register = template.Library()


def _time_element(value, fmt):
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), date_format(value, fmt))


@register.simple_tag
def time_range(start, end, zone_name):
    """'9:00–9:30' in `zone_name`, each end in a <time datetime> element."""
    zoned = zoned_range(start, end, zone_name)
    return format_html(
        "{}–{}",
        _time_element(zoned.start, "G:i"),
        _time_element(zoned.end, "G:i"),
    )


@register.simple_tag
def local_date(value, zone_name, fmt="l j F Y"):
    """The date of `value` in `zone_name`, e.g. 'Wednesday 6 November 2024' (Spanish adds 'de')."""
    zoned = zoned_range(value, value, zone_name)
    return format_html(
        '<time datetime="{}">{}</time>',
        zoned.start.date().isoformat(),
        date_format(zoned.start, date_pattern(fmt)),
    )


@register.simple_tag
def date_range(start, end, zone_name):
    """'6–7 November 2024' ('6–7 de noviembre de 2024') style dates of an event in its zone."""
    zoned = zoned_range(start, end, zone_name)
    if zoned.start.date() == zoned.end.date():
        return local_date(start, zone_name)
    if (zoned.start.year, zoned.start.month) == (zoned.end.year, zoned.end.month):
        start_format = "j"
    elif zoned.start.year == zoned.end.year:
        start_format = "j F"
    else:
        start_format = "j F Y"
    return format_html(
        "{}–{}", local_date(start, zone_name, start_format), local_date(end, zone_name, "j F Y")
    )


@register.simple_tag
def zone_name_label(zone_name, at):
    return zone_label(zone_name, at)
