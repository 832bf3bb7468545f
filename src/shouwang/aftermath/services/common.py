"""What the aftermath's writes check alike: a text field (trimmed, required or not, at most
MAX_TEXT characters) and uploaded files (at most MAX_FILES, each sniffed by
`reports.attachments.check_upload`). Both add to the caller's errors dict; they raise nothing."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shouwang.reports.attachments import check_upload

MAX_TEXT = 20_000
MAX_FILES = 10


def _text(value, field, errors, *, required=False, limit=MAX_TEXT, message=None):
    value = (value or "").strip()
    if required and not value:
        errors[field] = [message or _("Fill in this field.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _check_files(files, errors, field="attachments"):
    files = list(files or [])
    if len(files) > MAX_FILES:
        errors[field] = [_("At most %(n)d files at a time.") % {"n": MAX_FILES}]
        return []
    checked, bad = [], []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            bad.extend(exc.messages)
    if bad:
        errors[field] = bad
    return checked
