"""Attachment checks: the type is sniffed from the bytes (a renamed .exe is not a .jpg)."""

import hashlib
import io
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}


def sniff(head: bytes, data: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"  # legacy Office (.doc/.xls/.ppt) compound file
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, (ctype, _ext) in OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return ctype
    return None


# Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE …) make "invoice\u202efdp.exe" read as
# "invoiceexe.pdf"; other control characters have no place in a file name either.
_UNSAFE_IN_NAMES = re.compile("[\u0000-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_name(name: str) -> str:
    """An attachment's name as stored and served: no bidi or control characters, ≤ 200 chars."""
    return _UNSAFE_IN_NAMES.sub("", name or "")[:200] or "attachment"


def check_upload(upload) -> dict:
    """Validate one uploaded file; returns the facts to store. Raises ValidationError in Chinese."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
        )
    data = upload.read()
    upload.seek(0)
    content_type = sniff(data[:16], data)
    if content_type is None:
        raise ValidationError(
            _("%(name)s is not an image, PDF or Office file.") % {"name": upload.name}
        )
    return {
        "content_type": content_type,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "original_name": safe_name(upload.name),
    }
