"""Small filters for the incident board."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def clock(value, now=None):
    """A time on the board, in local time: "18:26" today, "12-04 18:26" on another day, with the
    year when it is another year, so a task due in three days does not look due now."""
    if not value:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate(now) if now else timezone.localdate()
    if local.date() == today:
        pattern = "H:i"
    elif local.year == today.year:
        pattern = "m-d H:i"
    else:
        pattern = "Y-m-d H:i"
    return date_format(local, pattern)


@register.filter
def in_words(value, labels):
    """A recorded code shown through a {code: words} map from the view, the code if unmapped."""
    return labels.get(value, value) if value and labels else value
