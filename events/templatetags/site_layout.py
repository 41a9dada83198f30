"""`{% layout_piece "template" %}`: a piece of templates/base.html, rendered once per process."""

from django import template

from events import layout

register = template.Library()


@register.simple_tag(takes_context=True)
def layout_piece(context, template_name):
    request = context.get("request")  # none for pages rendered without one: they get the anonymous layout
    return layout.piece(template_name, getattr(request, "user", None))
