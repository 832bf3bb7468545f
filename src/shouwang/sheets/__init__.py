"""The spreadsheet core every import uses: the student/staff/unit register (org), the duty
roster (escalation), and the gate check-ins, screening scores and grades to come.

Not a Django app and importing no shouwang app, so every layer may use it. An importer gives
a spec (a list of `Column`s: header, aliases, field, required, cell parser), and gets checked
rows and every problem, located by row and Chinese column header, to write all or nothing:

    result = ImportResult(kind="checkins", filename=name)
    errors = Errors(SPEC, result.errors)
    table = read_table(SPEC, upload, name, errors)   # or Records(...) to stream the rows
    ... checks across rows: errors.cell(row, "student_no", _("…")) ...
    if errors: errors.sort(); return result
    ... write everything in one transaction ...

What a kind of file holds (its SPEC) and what its rows mean (the planner) stay in the app.
"""

from .cells import (
    PHONE_RE,
    Invalid,
    cell_text,
    choice,
    date,
    email,
    identifier,
    moment,
    number,
    phone,
    text,
)
from .files import ImportFileError, csv_encoding, read_bytes, read_rows
from .lookup import IN_CHUNK, values_in
from .table import (
    Column,
    Errors,
    ImportResult,
    Records,
    Row,
    RowError,
    Table,
    header_name,
    match_headers,
    read_table,
    remap,
)
from .templates import template_csv, template_xlsx

__all__ = [
    "IN_CHUNK",
    "PHONE_RE",
    "Column",
    "Errors",
    "ImportFileError",
    "ImportResult",
    "Invalid",
    "Records",
    "Row",
    "RowError",
    "Table",
    "cell_text",
    "choice",
    "csv_encoding",
    "date",
    "email",
    "header_name",
    "identifier",
    "match_headers",
    "moment",
    "number",
    "phone",
    "read_bytes",
    "read_rows",
    "read_table",
    "remap",
    "template_csv",
    "template_xlsx",
    "text",
    "values_in",
]
