"""Fill the zh_Hans catalogue from translation tables and compile it (the .mo is committed, so
new machines need no gettext). Usage: python scripts/translate.py TABLE.py [TABLE.py …]
Each table module defines ZH = {msgid: translation} and optionally PLURAL = {msgid: translation}."""

import runpy
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/shouwang/locale/zh_Hans/LC_MESSAGES/django.po"


def main(tables):
    zh, plural, where, clashes = {}, {}, {}, []
    for table in tables:
        ns = runpy.run_path(table)
        for msgid, text in ns.get("ZH", {}).items():
            # Two tables giving one msgid two translations: the last would win silently and
            # reword the other module's pages (a shared English word, or Django's own message).
            if msgid in zh and zh[msgid] != text:
                clashes.append(f"{msgid!r}: {where[msgid]} {zh[msgid]!r} vs {table} {text!r}")
            zh.setdefault(msgid, text)
            where.setdefault(msgid, table)
        for msgid, text in ns.get("PLURAL", {}).items():
            if msgid in plural and plural[msgid] != text:
                clashes.append(f"{msgid!r}: {where[msgid]} {plural[msgid]!r} vs {table} {text!r}")
            plural.setdefault(msgid, text)
            where.setdefault(msgid, table)
    if clashes:
        for clash in clashes:
            print("two translations:", clash)
        print("give the msgids distinct English words, or agree on one translation")
        return 2
    po = polib.pofile(str(PO))
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Language"] = "zh_Hans"
    po.metadata_is_fuzzy = False  # makemessages marks the header fuzzy; the catalogue is reviewed
    missing = []
    for entry in po:
        if "fuzzy" in entry.flags:
            # makemessages' guesses from similar strings are usually wrong: translate afresh.
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
        if entry.msgid_plural:
            if entry.msgid in plural:
                entry.msgstr_plural = {0: plural[entry.msgid]}
            elif not entry.msgstr_plural.get(0):
                missing.append(entry.msgid)
        elif entry.msgid in zh:
            entry.msgstr = zh[entry.msgid]
        elif not entry.msgstr:
            missing.append(entry.msgid)
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print("untranslated:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
