"""Templates offices fill in: the spec's Chinese headers and one example row, as .xlsx (required
headers in red, code and number columns formatted as Text so Excel keeps 学号 like 0012 and
phone numbers as typed) or as .csv (UTF-8 with a BOM: what Excel recognises on double-click)."""

import csv
import io
from collections.abc import Mapping, Sequence

import openpyxl
from openpyxl.styles import Font

from .table import Column


def _examples(spec: Sequence[Column], examples: Mapping | None) -> list:
    examples = examples or {}
    return [examples.get(c.field, c.example) for c in spec]


def template_xlsx(spec: Sequence[Column], title: str, examples: Mapping | None = None) -> bytes:
    """`examples` ({field: value}) replaces a column's own example (today's date, say)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([c.header for c in spec])
    sheet.append(_examples(spec, examples))
    for i, c in enumerate(spec, start=1):
        letter = sheet.cell(1, i).column_letter
        sheet.cell(1, i).font = Font(bold=True, color="C00000" if c.required else None)
        sheet.column_dimensions[letter].width = max(14, len(c.header) * 3)
        if c.as_text:
            sheet.column_dimensions[letter].number_format = "@"
            sheet.cell(2, i).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv(spec: Sequence[Column], examples: Mapping | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in spec])
    writer.writerow(_examples(spec, examples))
    return out.getvalue().encode("utf-8-sig")
