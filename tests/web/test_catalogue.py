"""The zh-Hans catalogue is complete: every msgid in the source has a reviewed Chinese
translation (none missing, none fuzzy), and no translation drops a placeholder."""

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

import shouwang

PACKAGE = Path(shouwang.__file__).parent
PO = PACKAGE / "locale/zh_Hans/LC_MESSAGES/django.po"
# The keywords makemessages passes to xgettext.
KEYWORDS = [
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext:1,2",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "pgettext_lazy:1c,2",
    "npgettext:1c,2,3",
    "npgettext_lazy:1c,2,3",
]


def source_msgids(tmp_path):
    files = [str(p) for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]
    for n, template in enumerate(sorted(PACKAGE.rglob("templates/**/*.html"))):
        as_python = tmp_path / f"{n}_{template.name}.py"
        as_python.write_text(
            templatize(template.read_text(encoding="utf-8"), origin=str(template)), encoding="utf-8"
        )
        files.append(str(as_python))
    pot = subprocess.run(
        [
            "xgettext",
            "-L",
            "Python",
            "--from-code=UTF-8",
            "-o",
            "-",
            *(f"--keyword={k}" for k in KEYWORDS),
            *files,
        ],
        check=True,
        capture_output=True,
    ).stdout.decode()
    return {e.msgid for e in polib.pofile(pot) if e.msgid}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext")
def test_every_msgid_in_the_source_is_in_the_catalogue(tmp_path):
    catalogue = {e.msgid for e in polib.pofile(str(PO)) if not e.obsolete}
    missing = source_msgids(tmp_path) - catalogue
    assert not missing, sorted(missing)


def test_every_catalogue_entry_is_translated_and_reviewed():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)] == []


def test_translations_keep_their_placeholders():
    for e in polib.pofile(str(PO)):
        if e.obsolete or e.msgid_plural:
            continue
        assert sorted(re.findall(r"%\(\w+\)[sd]", e.msgid)) == sorted(
            re.findall(r"%\(\w+\)[sd]", e.msgstr)
        ), e.msgid
