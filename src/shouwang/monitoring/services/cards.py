"""What an import needs to know: card numbers (`card_numbers_set`, card → 学号) and
a gate vendor's export format (`vendor_format_save`, VENDOR_FIELDS)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.org import selectors as org
from shouwang.sheets.lookup import values_in

from .. import permissions
from ..models import CardNumber, VendorFormat
from .common import MAX_BATCH, _now


def card_numbers_set(*, actor, pairs: list[tuple[str, str]], now=None) -> int:
    """[(card number, 学号)] → the mapping (a card moved to another student follows). By those
    who import traces, or an integration token (its `monitoring.write` checked by the API)."""
    now = _now(now)
    token = getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is None
    if not token and not permissions.can_import_traces(actor):
        raise PermissionDenied
    if not pairs or len(pairs) > MAX_BATCH:
        raise ValidationError(_("Between 1 and %(n)d cards per batch.") % {"n": MAX_BATCH})
    by_no = dict(
        values_in(
            org.students_visible(actor), "student_no", {n for _c, n in pairs}, "student_no", "pk"
        )
    )
    unknown = sorted({n for _c, n in pairs if n not in by_no})
    if unknown:
        raise ValidationError(
            _("Unknown student number(s): %(nos)s") % {"nos": "、".join(unknown[:20])}
        )
    with transaction.atomic():
        for card, no in pairs:
            CardNumber.objects.update_or_create(card_no=card, defaults={"student_id": by_no[no]})
        event_record(
            actor=None if token else actor,
            subject=("monitoring.cardnumber", "all"),
            verb="monitoring.cards_mapped",
            at=now,
            data={"count": len(pairs)},
        )
    return len(pairs)


VENDOR_FIELDS = ("student_no", "card_no", "time", "gate", "direction")


def vendor_format_save(
    *, actor, name: str, columns: dict, in_words, out_words, vendor=None, now=None
) -> VendorFormat:
    now = _now(now)
    if not permissions.can_import_traces(actor):
        raise PermissionDenied
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = [_("Give the format a name (at most 60 characters).")]
    columns = {k: (v or "").strip()[:40] for k, v in (columns or {}).items() if k in VENDOR_FIELDS}
    columns = {k: v for k, v in columns.items() if v}
    if not (columns.get("student_no") or columns.get("card_no")):
        errors["columns"] = [_("Name the column of the student number or of the card number.")]
    elif "time" not in columns:
        errors["columns"] = [_("Name the column of the passage time.")]
    in_words = [w.strip() for w in in_words or [] if w.strip()][:10]
    out_words = [w.strip() for w in out_words or [] if w.strip()][:10]
    if "direction" in columns and not in_words:
        errors["in_words"] = [_("Say what the direction column writes for 'in' (进, 1, IN …).")]
    if set(in_words) & set(out_words):
        errors["out_words"] = [_("A word cannot mean both in and out.")]
    clash = VendorFormat.objects.filter(name=name)
    if vendor is not None and vendor.pk:
        clash = clash.exclude(pk=vendor.pk)
    if name and clash.exists():
        errors["name"] = [_("A format with this name exists.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        vendor = vendor or VendorFormat()
        vendor.name, vendor.columns, vendor.in_words, vendor.out_words = (
            name,
            columns,
            in_words,
            out_words,
        )
        created = vendor.pk is None
        vendor.save()
        event_record(
            actor=actor,
            subject=vendor,
            verb="monitoring.vendor_created" if created else "monitoring.vendor_changed",
            at=now,
            data={"name": name, "columns": columns, "in": in_words, "out": out_words},
        )
    return vendor
