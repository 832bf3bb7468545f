"""Reading the files offices really have: .xlsx, or .csv in UTF-8 (with or without BOM) or GBK,
row by row. The type comes from the content, not the name.

Memory: the file's bytes are held once (their size checked first, against IMPORT_MAX_BYTES);
rows are produced one at a time — an .xlsx through openpyxl's read-only mode, a .csv decoded
as it is read — so a 100,000-row file never exists as a list of rows unless the caller makes one.
"""

import codecs
import csv
import io
import itertools
from collections.abc import Iterator, Sequence

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _

ZIP = b"PK\x03\x04"  # .xlsx (and .docx, and any zip)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 reads every GBK file, and a little more
_CHUNK = 1 << 16


class ImportFileError(Exception):
    """The file as a whole cannot be read: type, size, encoding, emptiness."""


def _unsupported():
    return ImportFileError(_("Unsupported file type: upload an .xlsx workbook or a .csv file."))


def read_bytes(data, limit: int | None = None) -> bytes:
    """bytes or a binary file (an upload, an open file): the size is checked before reading.
    `limit` defaults to settings.IMPORT_MAX_BYTES."""
    limit = settings.IMPORT_MAX_BYTES if limit is None else limit
    size: int | None
    if isinstance(data, bytes | bytearray):
        size = len(data)
    else:
        size = getattr(data, "size", None)
        if size is None:
            size = data.seek(0, io.SEEK_END)
            data.seek(0)
    if size > limit:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": limit // 2**20})
    return bytes(data) if isinstance(data, bytes | bytearray) else data.read()


def read_rows(data: bytes, filename: str) -> Iterator[Sequence]:
    """Yield each row's cell values, row 1 first: one at a time, whatever the file's length."""
    if data.startswith(ZIP):
        yield from _xlsx_rows(data)
        return
    if data.startswith(OLE2):
        raise ImportFileError(
            _(
                "Unsupported file type: this is an old .xls workbook, a "
                "password-protected workbook or a Word document. In Excel, save "
                "it as .xlsx or .csv."
            )
        )
    if not filename.lower().endswith((".csv", ".txt")) or b"\x00" in data[:4096]:
        raise _unsupported()
    yield from _csv_rows(data)


def _xlsx_rows(data: bytes) -> Iterator[Sequence]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:  # a .docx, a plain .zip, a damaged file: openpyxl raises many kinds
        raise _unsupported() from None
    # Other programs write wrong sheet dimensions; without this, rows past them would be lost.
    sheet.reset_dimensions()
    try:
        yield from sheet.iter_rows(values_only=True)
    except Exception:  # the sheet's XML is damaged: the zip opened but its content can't be read
        raise ImportFileError(_("The file is not a readable .xlsx workbook.")) from None
    finally:
        book.close()


def csv_encoding(data: bytes) -> str:
    """The first of UTF-8 and GBK that decodes the whole file; checked a chunk at a time, so
    no second copy of the file is made as text."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _CHUNK):
                decoder.decode(data[start : start + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK."))


def _csv_rows(data: bytes) -> Iterator[Sequence]:
    content = io.TextIOWrapper(io.BytesIO(data), encoding=csv_encoding(data), newline="")
    first_line = content.readline()
    # Offices' tools write commas, tabs or semicolons: the first line's most frequent one.
    delimiter = max(",\t;", key=first_line.count)
    yield from csv.reader(itertools.chain([first_line], content), delimiter=delimiter)
