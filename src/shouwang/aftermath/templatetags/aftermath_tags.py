from django import template

register = template.Library()

COLOUR_TAG = {"green": "ok", "yellow": "warn", "orange": "orange", "red": "bad"}


@register.filter
def colour_tag(colour: str) -> str:
    """The CSS tag class for a supervision colour (三色督办)."""
    return COLOUR_TAG.get(colour, "")
