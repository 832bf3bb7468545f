"""Import units, staff and students from .xlsx or .csv files (read and checked by shouwang.sheets,
by the specs in import_files.py).

All or nothing: every row is checked first; any error means nothing is written, and every
error is listed by row number, column (its Chinese header) and message. Keys: 单位代码 for
units, 工号 for staff, 学号 for students. Re-importing the same file changes nothing and writes
no timeline event; a changed row updates the existing record; an import that changed something
writes one `org.imported` event. A column left out of the file is left alone in the database; a
column present with an empty cell means "empty".

Staff imports only add: they create the person (user name = 工号, no usable password until an
administrator sets one or CAS signs them in) and the post a row names when that person has no
open post of that role at that unit, and they update the person's name, phone and email. They
never end a post: ending one is a decision a person makes in the UI, not something a row
missing from a spreadsheet should do silently.

Counts are per row: created (a new record — for staff, a new person or post), updated (an
existing record changed), unchanged.
"""

import hashlib
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import sheets
from shouwang.accounts.models import User
from shouwang.audit.services import event_record
from shouwang.ops.schema import refresh_planner_statistics
from shouwang.sheets import Errors, ImportFileError, ImportResult, RowError, read_table, values_in

from . import hooks
from .import_files import KINDS, PARENT_KINDS, SHEET_TITLES, SPECS
from .models import Post, Role, Student, Unit
from .permissions import can_manage_org

__all__ = [
    "KINDS",
    "SPECS",
    "ImportFileError",
    "ImportResult",
    "RowError",
    "import_file",
    "template_csv",
    "template_workbook",
]
BATCH = 1000


def import_file(*, actor, kind: str, data, filename: str) -> ImportResult:
    """Check every row, then write them all in one transaction, or write nothing.

    data: bytes or a binary file (its size is checked before it is read). actor=None is the
    operator at the command line, who may import anything."""
    if actor is not None and not can_manage_org(actor):
        raise PermissionDenied
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    result = ImportResult(kind=kind, filename=filename)
    errors = Errors(SPECS[kind], result.errors)
    table = read_table(SPECS[kind], data, filename, errors)
    write = PLANNERS[kind](table.rows, table.present, errors.cell, result) if table else None
    if errors:
        errors.sort()
        return result
    # Checks ran outside the transaction, so a long validation never holds SQLite's write lock;
    # a conflicting concurrent write makes the insert fail and the whole import roll back.
    with transaction.atomic():
        write()
        if result.created or result.updated:
            event_record(
                actor=actor,
                subject=("org.import", kind),
                verb="org.imported",
                data={
                    "kind": kind,
                    "filename": filename[:200],
                    "sha256": hashlib.sha256(table.content).hexdigest(),
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            refresh_planner_statistics(*TABLES_WRITTEN[kind])
    return result


# ---- students ------------------------------------------------------------------------------

STUDENT_FIELDS = [
    "name",
    "gender",
    "klass_id",
    "dorm_room_id",
    "phone",
    "guardian_name",
    "guardian_phone",
    "status",
]


def _plan_students(rows, present, error, result):
    # One query per code kind: 50,000 rows must not mean 50,000 look-ups.
    classes = dict(Unit.objects.filter(kind=Unit.Kind.CLASS).values_list("code", "pk"))
    rooms = dict(Unit.objects.filter(kind=Unit.Kind.DORM_ROOM).values_list("code", "pk"))
    seen = {}
    for row in rows:
        v = row.v
        if "student_no" not in row.bad:
            if v["student_no"] in seen:
                error(
                    row,
                    "student_no",
                    _("Student number %(no)s repeats row %(row)d.")
                    % {"no": v["student_no"], "row": seen[v["student_no"]]},
                )
            else:
                seen[v["student_no"]] = row.number
        if "klass" not in row.bad and v["klass"] not in classes:
            error(row, "klass", _("Unknown class code %(code)s.") % {"code": v["klass"]})
        if v["dorm_room"] and "dorm_room" not in row.bad and v["dorm_room"] not in rooms:
            error(
                row, "dorm_room", _("Unknown dormitory room %(code)s.") % {"code": v["dorm_room"]}
            )
    fields = [f for f in STUDENT_FIELDS if f.removesuffix("_id") in present]

    def write():
        planned = {
            r.v["student_no"]: {
                **r.v,
                "klass_id": classes[r.v["klass"]],
                "dorm_room_id": rooms.get(r.v["dorm_room"]),
            }
            for r in rows
        }
        # Tuples, not model instances: half the memory for a register of 50,000.
        existing = {
            no: (pk, values)
            for no, pk, *values in values_in(
                Student.objects, "student_no", planned, "student_no", "pk", *fields
            )
        }
        new, changed = [], []
        for no, p in planned.items():
            if no not in existing:
                new.append(Student(student_no=no, **{f: p[f] for f in STUDENT_FIELDS}))
            elif list(existing[no][1]) != [p[f] for f in fields]:
                changed.append(Student(pk=existing[no][0], **{f: p[f] for f in fields}))
        Student.objects.bulk_create(new, batch_size=BATCH)
        Student.objects.bulk_update(changed, fields, batch_size=BATCH)
        result.created, result.updated = len(new), len(changed)
        result.unchanged = len(planned) - len(new) - len(changed)

    return write


# ---- units ---------------------------------------------------------------------------------

UNIT_FIELDS = ["name", "kind", "function", "name_en"]


def _plan_units(rows, present, error, result):
    db = {
        u["code"]: u for u in Unit.objects.values("pk", "code", "parent_id", "path", *UNIT_FIELDS)
    }
    code_of = {u["pk"]: code for code, u in db.items()}
    with_children = {u["parent_id"] for u in db.values()}
    in_file = {}
    for row in rows:
        if "code" in row.bad:
            continue
        if row.v["code"] in in_file:
            error(
                row,
                "code",
                _("Unit code %(code)s repeats row %(row)d.")
                % {"code": row.v["code"], "row": in_file[row.v["code"]].number},
            )
        else:
            in_file[row.v["code"]] = row
    kinds = {c: u["kind"] for c, u in db.items()} | {
        c: r.v["kind"] for c, r in in_file.items() if "kind" not in r.bad
    }
    for code, row in in_file.items():
        v = row.v
        if "kind" in row.bad or "parent" in row.bad:
            continue
        parent, label = v["parent"], Unit.Kind(v["kind"]).label
        if parent and parent not in kinds:
            if parent not in in_file:  # a parent in this file with a bad kind has its own error
                error(row, "parent", _("Unknown parent unit %(code)s.") % {"code": parent})
        elif parent and v["kind"] == Unit.Kind.SCHOOL:
            error(row, "parent", _("A school has no parent unit."))
        elif not parent and v["kind"] != Unit.Kind.SCHOOL:
            error(row, "parent", _("A %(kind)s needs a parent unit.") % {"kind": label})
        elif parent and kinds[parent] not in PARENT_KINDS[v["kind"]]:
            error(
                row,
                "parent",
                _("A %(kind)s cannot be placed under %(parent)s (%(parent_kind)s).")
                % {"kind": label, "parent": parent, "parent_kind": Unit.Kind(kinds[parent]).label},
            )
        old = db.get(code)
        if old is None or "parent" in row.bad:  # one error per cell is enough
            continue
        # Moving a unit would move every path under it; that is a job for the admin, not a file.
        old_parent = code_of.get(old["parent_id"], "")
        if old["pk"] in with_children and (old_parent != parent or old["kind"] != v["kind"]):
            error(
                row,
                "parent" if old_parent != parent else "kind",
                _("Unit %(code)s has units under it: an import cannot move it or change its kind.")
                % {"code": code},
            )
        elif (
            old["kind"] != v["kind"]
            and Student.objects.filter(Q(klass_id=old["pk"]) | Q(dorm_room_id=old["pk"])).exists()
        ):
            error(
                row,
                "kind",
                _("Unit %(code)s has students: an import cannot change its kind.") % {"code": code},
            )
    fields = [f for f in UNIT_FIELDS if f in present]

    def path_of(code):
        if code not in in_file:
            return db[code]["path"]
        parent = in_file[code].v["parent"]
        return (path_of(parent) if parent else "/") + code + "/"

    def write():
        pks = {c: u["pk"] for c, u in db.items()}
        new_by_depth, changed = defaultdict(list), []
        for code, row in in_file.items():
            v, path = row.v, path_of(code)
            old = db.get(code)
            if old is None:
                unit = Unit(
                    code=code,
                    path=path,
                    depth=path.count("/") - 2,
                    **{f: v[f] for f in UNIT_FIELDS},
                )
                new_by_depth[unit.depth].append((unit, v["parent"]))
            elif old["path"] != path or any(old[f] != v[f] for f in fields):
                changed.append(
                    (
                        Unit(
                            pk=old["pk"],
                            code=code,
                            path=path,
                            depth=path.count("/") - 2,
                            **{f: v[f] for f in fields},
                        ),
                        v["parent"],
                    )
                )
        # Parents first, a level at a time: every parent has its id before its children go in.
        for depth in sorted(new_by_depth):
            level = new_by_depth[depth]
            for unit, parent in level:
                unit.parent_id = pks[parent] if parent else None
            Unit.objects.bulk_create([u for u, _p in level], batch_size=BATCH)
            pks.update(values_in(Unit.objects, "code", [u.code for u, _p in level], "code", "pk"))
        for unit, parent in changed:
            unit.parent_id = pks[parent] if parent else None
        Unit.objects.bulk_update(
            [u for u, _p in changed], [*fields, "parent", "path", "depth"], batch_size=BATCH
        )
        result.created = sum(map(len, new_by_depth.values()))
        result.updated = len(changed)
        result.unchanged = len(in_file) - result.created - result.updated

    return write


# ---- staff ---------------------------------------------------------------------------------

PERSON_FIELDS = ["full_name", "phone", "email"]


def _plan_staff(rows, present, error, result):
    units = dict(Unit.objects.values_list("code", "pk"))
    roles = {}
    for pk, code, name, name_en in Role.objects.values_list("pk", "code", "name", "name_en"):
        roles.update({code: pk, name: pk, name_en.lower(): pk} if name_en else {code: pk, name: pk})

    def role_of(text):  # 辅导员, counsellor or Counsellor
        return roles.get(text) or roles.get(text.lower())

    details, first_row, posts_seen = {}, {}, {}
    for row in rows:
        v = row.v
        if "unit" not in row.bad and v["unit"] not in units:
            error(row, "unit", _("Unknown unit code %(code)s.") % {"code": v["unit"]})
        if "role" not in row.bad and role_of(v["role"]) is None:
            error(row, "role", _("Unknown post %(role)s.") % {"role": v["role"]})
        if "staff_no" in row.bad:
            continue
        no = v["staff_no"]
        # Several rows for one person (one per post): details may be given once; they must agree.
        mine = details.setdefault(no, {})
        first_row.setdefault(no, row)
        for f in PERSON_FIELDS:
            if f in row.bad or not v[f]:
                continue
            if mine.setdefault(f, (v[f], row.number))[0] != v[f]:
                error(
                    row,
                    f,
                    _("Staff number %(no)s has a different value on row %(row)d.")
                    % {"no": no, "row": mine[f][1]},
                )
        if not row.bad & {"unit", "role"}:
            key = (no, v["unit"], role_of(v["role"]))
            if key in posts_seen:
                error(
                    row, "role", _("The same post repeats row %(row)d.") % {"row": posts_seen[key]}
                )
            posts_seen.setdefault(key, row.number)
    known = dict(values_in(User.objects, "staff_no", details, "staff_no", "pk"))
    for username in values_in(
        User.objects, "username", [n for n in details if n not in known], "username"
    ):
        error(
            first_row[username[0]],
            "staff_no",
            _("The user name %(no)s belongs to another account.") % {"no": username[0]},
        )
    fields = [f for f in PERSON_FIELDS if f in present]

    def write():
        today = timezone.localdate()
        people = {no: {f: d.get(f, ("", 0))[0] for f in PERSON_FIELDS} for no, d in details.items()}
        existing = {
            no: (pk, values)
            for no, pk, *values in values_in(
                User.objects, "staff_no", people, "staff_no", "pk", *fields
            )
        }
        new_people = [
            User(username=no, staff_no=no, password=make_password(None), **p)
            for no, p in people.items()
            if no not in existing
        ]
        changed = {
            no
            for no, (_pk, values) in existing.items()
            if list(values) != [people[no][f] for f in fields]
        }
        User.objects.bulk_create(new_people, batch_size=BATCH)
        User.objects.bulk_update(
            [User(pk=existing[no][0], **{f: people[no][f] for f in fields}) for no in changed],
            fields,
            batch_size=BATCH,
        )
        ids = {no: pk for no, (pk, _v) in existing.items()}
        ids.update(
            values_in(User.objects, "staff_no", [u.staff_no for u in new_people], "staff_no", "pk")
        )
        held, started = set(), set()
        for person, unit, role, since, until in values_in(
            Post.objects,
            "person_id",
            ids.values(),
            "person_id",
            "unit_id",
            "role_id",
            "since",
            "until",
        ):
            started.add((person, unit, role, since))
            if until is None or until >= today:  # open now, or starting later: either way held
                held.add((person, unit, role))
        new_posts = []
        for row in rows:
            v = row.v
            person, since = ids[v["staff_no"]], v["since"] or today
            key = (person, units[v["unit"]], role_of(v["role"]))
            if key not in held and (*key, since) not in started:
                new_posts.append(
                    Post(person_id=person, unit_id=key[1], role_id=key[2], since=since)
                )
                held.add(key)
                result.created += 1
            elif v["staff_no"] not in existing:
                result.created += 1  # a new person whose post repeats an earlier row of this file
            elif v["staff_no"] in changed:
                result.updated += 1
            else:
                result.unchanged += 1
        Post.objects.bulk_create(new_posts, batch_size=BATCH)
        # Handovers (a class's new counsellor) follow in this transaction; bulk_create set pks.
        hooks.posts_changed(started=[p for p in new_posts if p.pk], actor=None)

    return write


PLANNERS = {"units": _plan_units, "staff": _plan_staff, "students": _plan_students}
TABLES_WRITTEN = {
    "units": ["org.unit"],
    "staff": ["org.post", "accounts.user"],
    "students": ["org.student"],
}


# ---- templates -----------------------------------------------------------------------------


def template_workbook(kind: str) -> bytes:
    """An .xlsx with the Chinese headers and one example row; code and number columns are
    formatted as Text so Excel keeps 学号 and phone numbers as typed."""
    return sheets.template_xlsx(SPECS[kind], SHEET_TITLES[kind])


def template_csv(kind: str) -> bytes:
    """The same as CSV, UTF-8 with a BOM: the encoding Excel recognises on double-click."""
    return sheets.template_csv(SPECS[kind])
