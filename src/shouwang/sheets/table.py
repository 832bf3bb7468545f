"""A file read as a table of checked rows, by a spec: for each column its Chinese header (and
the other headers offices write for it), the field it fills, whether it is required, and the
parser that turns a cell into a value or says why it can't.

All or nothing: every problem is collected — row, column header, message — and the importer
writes only when there are none. `read_table` keeps every row for that; `Records` yields them
one at a time for an importer that aggregates as it reads (100,000 gate check-ins).
"""

import dataclasses
import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .cells import Invalid, cell_text
from .files import ImportFileError, read_bytes, read_rows


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool
    clean: Callable  # a parser from .cells, called on non-empty cells
    example: str = ""
    as_text: bool = False  # the template formats the column as Text so Excel keeps leading digits
    default: object = ""  # for an empty cell in an optional column
    aliases: tuple[str, ...] = ()  # other headers offices write for the same column

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, self.field, *self.aliases)


def remap(spec: Sequence[Column], **changes: Mapping) -> list[Column]:
    """The spec with some of its columns changed, by field: one spec per vendor's export, e.g.
    remap(CHECKINS, card_no={"header": "卡号"}, direction={"clean": choice({"1": "in"}, …)})."""
    unknown = set(changes) - {c.field for c in spec}
    if unknown:
        raise ValueError(f"the spec has no column for {sorted(unknown)}")
    return [dataclasses.replace(c, **changes.get(c.field, {})) for c in spec]


def header_name(value) -> str:
    """A header cell as it is matched. Templates elsewhere mark required columns "学号*" or
    "学号（必填）"; the name is what counts."""
    return re.sub(r"[\s*＊]|[（(][必选]填[)）]", "", cell_text(value))


def match_headers(spec: Sequence[Column], headers: Sequence) -> dict[str, int]:
    """{field: index of its column} for the columns of `spec` the header row has (the first
    column whose header is one of a column's names)."""
    names = [header_name(v) for v in headers]
    index = {}
    for c in spec:
        found = [i for i, h in enumerate(names) if h in c.names]
        if found:
            index[c.field] = found[0]
    return index


@dataclass(slots=True)
class Row:
    number: int  # as the spreadsheet numbers it: the header is usually row 1
    v: dict  # field → cleaned value (None where the cell was wrong)
    bad: set = field(default_factory=set)  # fields whose cell was wrong: no further checks on them


RowError = namedtuple("RowError", "row column message")  # row None = the file as a whole


class Errors:
    """Every problem of one file, each located by row and column header, appended to `into`
    (an ImportResult's errors). All or nothing: the importer writes only when it stays empty."""

    def __init__(self, spec: Sequence[Column], into: list | None = None):
        self.items = [] if into is None else into
        self._headers = {c.field: c.header for c in spec}
        self._order = {c.header: i for i, c in enumerate(spec)}

    def __bool__(self):
        return bool(self.items)

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def file(self, message: str) -> None:
        """The file as a whole."""
        self.items.append(RowError(None, "", message))

    def at(self, row: int, column: str, message: str) -> None:
        self.items.append(RowError(row, column, message))

    def cell(self, row: Row, field_name: str, message: str) -> None:
        """A row's cell: named by its column's header; the field gets no further checks."""
        self.items.append(RowError(row.number, self._headers[field_name], message))
        row.bad.add(field_name)

    def sort(self) -> None:
        """By row (the file's own first), then in the order of the spec's columns."""
        self.items.sort(key=lambda e: (e.row or 0, self._order.get(e.column, -1)))


class Records:
    """The data rows of a file, cleaned by `spec`, one at a time: blank lines above the header
    and empty rows are skipped; a missing required column, or no data rows, is recorded in
    `errors` (then nothing more is yielded); a file with nothing in it raises ImportFileError,
    as a file that can't be read does. `present` is the fields the header row has."""

    def __init__(self, spec: Sequence[Column], content: bytes, filename: str, errors: Errors):
        self.spec, self.content, self.filename, self.errors = list(spec), content, filename, errors
        self.present: set[str] = set()
        self.header_row: int | None = None

    def __iter__(self) -> Iterator[Row]:
        index, count = None, 0
        for number, values in enumerate(read_rows(self.content, self.filename), start=1):
            if index is None:
                index = self._header(number, values)
                if index is False:
                    return
                continue
            row = self._row(number, values, index)
            if row is not None:
                count += 1
                yield row
        if self.header_row is None:
            raise ImportFileError(_("The file is empty."))
        if not count:
            self.errors.at(
                self.header_row + 1, "", _("The file has a header row but no data rows.")
            )

    def _header(self, number, values):
        """→ {field: index}; None for a blank line above the header; False if columns are
        missing."""
        if not any(header_name(v) for v in values):
            return None
        self.header_row = number
        index = match_headers(self.spec, values)
        missing = [c.header for c in self.spec if c.required and c.field not in index]
        if missing:
            self.errors.at(
                number,
                "、".join(missing),
                _("Missing column(s): %(cols)s") % {"cols": "、".join(missing)},
            )
            return False
        self.present = set(index)
        return index

    def _row(self, number, values, index) -> Row | None:
        raw = {f: values[i] if i < len(values) else None for f, i in index.items()}
        texts = {f: cell_text(v) for f, v in raw.items()}  # once per cell, not per check
        if not any(texts.values()):
            return None
        row = Row(number, {})
        for c in self.spec:
            cell = raw.get(c.field)
            if not texts.get(c.field):
                if c.required:
                    self.errors.cell(row, c.field, _("This cell must not be empty."))
                row.v[c.field] = c.default
                continue
            try:
                row.v[c.field] = c.clean(cell)
            except Invalid as exc:
                self.errors.cell(row, c.field, str(exc))
                row.v[c.field] = None
        return row


@dataclass
class Table:
    content: bytes  # the file as read (for its hash in the timeline event)
    rows: list[Row]
    present: set[str]  # fields whose column the file has: a column left out is left alone


def read_table(spec: Sequence[Column], data, filename: str, errors: Errors) -> Table | None:
    """Every row of a file (bytes or a binary file, its size checked first) for an import that
    checks them all before writing any. → Table; or None after recording in `errors` why the
    file can't be used. Cell errors are recorded too, and their rows still returned, so the
    checks across rows (repeats, unknown codes) can report theirs in the same pass."""
    try:
        content = read_bytes(data)
        records = Records(spec, content, filename, errors)
        rows = list(records)
    except ImportFileError as exc:
        errors.file(str(exc))
        return None
    return Table(content, rows, records.present) if rows else None


@dataclass
class ImportResult:
    kind: str = ""
    filename: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [RowError(row, column, message)]

    @property
    def ok(self):
        return not self.errors
