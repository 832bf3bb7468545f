"""Exports of a care file and of a key-student list: .xlsx (openpyxl) and PDF (WeasyPrint),
each with a visible watermark naming the reader and the time (R-CARE-4). The callers record
the read first (selectors.file_open / services.key_list_read_record)."""

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from . import tiers
from .models import Tier

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def watermark(reader, now) -> str:
    name = reader.display_name if reader else _("integration")
    return _("Confidential · exported by %(name)s at %(time)s") % {
        "name": name,
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }


def _css(mark: str) -> str:
    """The watermark as a CSS string's content: no quote, backslash or tag can close it."""
    return "".join(c for c in mark if c not in '"\\<>\n')


def _cell(value):
    """Text as text: lazy translations made plain, and nothing a spreadsheet would run as a
    formula (a note beginning with "=" stays a note)."""
    if value is None:
        return None
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _sheet(title, mark, header, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    # Visible on screen (the first row, red on yellow) and on every printed page.
    sheet.append([mark])
    sheet["A1"].font = Font(bold=True, color="C00000")
    sheet["A1"].fill = PatternFill("solid", fgColor="FFF2CC")
    sheet.oddHeader.center.text = mark
    sheet.oddFooter.center.text = mark
    sheet.append([_cell(h) for h in header])
    for row in rows:
        sheet.append([_cell(c) for c in row])
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 — loads pango only when a PDF is made

    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def _no_fetching(url, *args, **kwargs):
    raise ValueError(f"care exports load nothing: {url}")


def _file_rows(file):
    s = file.student
    return [
        (_("student number"), s.student_no),
        (_("name"), s.name),
        (_("class"), s.klass.name),
        (_("tier"), Tier(file.tier).label),
        (_("key student"), _("yes") if file.key_flag else _("no")),
        (_("dedicated owner"), file.owner.display_name if file.owner else ""),
        (_("risk factors"), "、".join(tiers.risk_factor_label(c) for c in file.risk_factors)),
        (
            _("latest screening"),
            "; ".join(f"{k}: {v}" for k, v in sorted(file.screening.items())),
        ),
        (_("diagnosis"), file.diagnosis),
        (_("notes"), file.notes),
    ]


def file_xlsx(file, reader, now) -> bytes:
    mark = watermark(reader, now)
    rows = [list(r) for r in _file_rows(file)]
    rows.append([])
    rows.append([_("History")])
    for e in file.entries.select_related("actor"):
        rows.append(
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
                e.get_kind_display(),
                e.actor.display_name if e.actor else "",
                e.text,
            ]
        )
    return _sheet(_("Care file"), mark, [_("item"), _("value")], rows)


def file_pdf(file, reader, now) -> bytes:
    html = render_to_string(
        "care/export_file.html",
        {
            "mark": watermark(reader, now),
            "mark_css": _css(watermark(reader, now)),
            "rows": _file_rows(file),
            "entries": file.entries.select_related("actor"),
            "file": file,
        },
    )
    return _pdf(html)


def _key_rows(key_list):
    return [
        [
            r["student_no"],
            r["name"],
            r["class"],
            str(Tier(r["tier"]).label) if r["tier"] in Tier.values else r["tier"],
            r["owner"],
        ]
        for r in key_list.rows
    ]


KEY_HEADER = ("student number", "name", "class", "tier", "dedicated owner")


def key_list_xlsx(key_list, reader, now) -> bytes:
    return _sheet(
        _("Key students"),
        watermark(reader, now),
        [_(h) for h in KEY_HEADER],
        _key_rows(key_list),
    )


def key_list_pdf(key_list, reader, now) -> bytes:
    html = render_to_string(
        "care/export_key_list.html",
        {
            "mark": watermark(reader, now),
            "mark_css": _css(watermark(reader, now)),
            "key_list": key_list,
            "header": [_(h) for h in KEY_HEADER],
            "rows": _key_rows(key_list),
        },
    )
    return _pdf(html)
