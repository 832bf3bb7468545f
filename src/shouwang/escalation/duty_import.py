"""Import a duty roster (值班表) from .xlsx or .csv (UTF-8 or GBK), the way offices keep it.

Columns: 日期, 单位代码, 值班人工号, 值班电话 (optional). Reading files and cleaning cells is
shouwang.sheets, so a roster and a student register are read by the same rules.

All or nothing: every row is checked first; any error means nothing is written, and every
error is listed by row, column (its Chinese header) and message. For each unit and date that
appears in the file, the file IS the roster of that day: people listed are added (or their
duty phone updated), people on that day's roster but not in the file are taken off it, and
units and dates not in the file are left alone. A corrected file therefore swaps a person,
and importing the same file twice changes nothing the second time and writes no event.
An import that changed something writes one `duty.imported` event listing every change.
"""

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import sheets
from shouwang.accounts.models import User
from shouwang.audit.services import event_record
from shouwang.org.import_files import CODE
from shouwang.org.models import Unit
from shouwang.org.scope import scope_for
from shouwang.sheets import Column, Errors, ImportResult, date, identifier, phone, values_in

from .models import DutyShift
from .permissions import can_edit_any_roster, duty_candidates, path_in, roster_editor_paths

SPEC = [
    Column("日期", "date", True, date, "2026-11-24", aliases=("值班日期",)),
    Column(
        "单位代码",
        "unit",
        True,
        identifier(CODE, lambda: _("%(value)s is not a valid unit code.")),
        "D01",
        True,
        aliases=("单位",),
    ),
    Column(
        "值班人工号",
        "staff_no",
        True,
        identifier(CODE, lambda: _("%(value)s is not a valid staff number.")),
        "T0001",
        True,
        aliases=("工号", "值班人员工号"),
    ),
    Column("值班电话", "phone", False, phone, "13800000000", True, aliases=("电话", "联系电话")),
]


@dataclass
class DutyImportResult(ImportResult):
    kind: str = "duty"
    removed: int = 0


def duty_roster_import(*, actor, file, filename: str | None = None) -> DutyImportResult:
    """`file`: an upload, an open binary file or bytes. Returns the counts, or the errors and
    nothing written. Only people who edit some roster may import; each row's unit must be one
    whose roster the actor edits."""
    if not can_edit_any_roster(actor):
        raise PermissionDenied
    filename = filename if filename is not None else getattr(file, "name", "") or ""
    result = DutyImportResult(filename=filename)
    errors = Errors(SPEC, result.errors)
    table = sheets.read_table(SPEC, file, filename, errors)
    plan = _check(actor, table.rows, errors) if table else None
    if errors:
        errors.sort()
        return result
    content = table.content
    try:
        with transaction.atomic():
            changes = _write(plan, result)
            if any(changes.values()):
                event_record(
                    actor=actor,
                    subject=("escalation.duty_import", hashlib.sha256(content).hexdigest()[:16]),
                    verb="duty.imported",
                    data={
                        "filename": filename[:200],
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "created": result.created,
                        "updated": result.updated,
                        "removed": result.removed,
                        "unchanged": result.unchanged,
                        **changes,
                    },
                )
    except IntegrityError:
        # Someone added one of these shifts by hand while we wrote: nothing was kept.
        result.created = result.updated = result.removed = result.unchanged = 0
        errors.file(
            _("The roster changed while importing; nothing was imported. Upload the file again.")
        )
    return result


def _check(actor, rows, errors):
    """Resolve codes and numbers, check scope and repeats →
    {(unit_id, date): {person_id: phone}}."""
    scope, paths = scope_for(actor), roster_editor_paths(actor)
    units = {
        code: (pk, path, name, active)
        for code, pk, path, name, active in values_in(
            Unit.objects,
            "code",
            {r.v["unit"] for r in rows if "unit" not in r.bad},
            "code",
            "pk",
            "path",
            "name",
            "is_active",
        )
    }
    people = {
        no: (pk, active)
        for no, pk, active in values_in(
            User.objects,
            "staff_no",
            {r.v["staff_no"] for r in rows if "staff_no" not in r.bad},
            "staff_no",
            "pk",
            "is_active",
        )
    }
    plan, seen, candidates = {}, {}, {}

    def eligible(unit_id):
        if unit_id not in candidates:
            candidates[unit_id] = set(
                duty_candidates(Unit.objects.get(pk=unit_id)).values_list("pk", flat=True)
            )
        return candidates[unit_id]

    for row in rows:
        v = row.v
        unit = units.get(v["unit"]) if "unit" not in row.bad else None
        if "unit" not in row.bad:
            if unit is None or not scope.contains_path(unit[1]):
                # Out of scope reads as unknown: an import must not reveal which units exist.
                errors.cell(
                    row,
                    "unit",
                    _("Unit code %(code)s is unknown or outside your units.") % {"code": v["unit"]},
                )
            elif not path_in(unit[1], paths):
                errors.cell(
                    row,
                    "unit",
                    _("You may not edit the duty roster of %(unit)s.") % {"unit": unit[2]},
                )
            elif not unit[3]:
                errors.cell(row, "unit", _("%(unit)s is no longer active.") % {"unit": unit[2]})
        person = people.get(v["staff_no"]) if "staff_no" not in row.bad else None
        if "staff_no" not in row.bad:
            # Only staff of the unit (or a duty officer above it); the same words whether or not
            # the number exists, so an import does not confirm accounts.
            if (
                person is None
                or not person[1]
                or (
                    unit is not None
                    and "unit" not in row.bad
                    and person[0] not in eligible(unit[0])
                )
            ):
                errors.cell(
                    row,
                    "staff_no",
                    _("%(no)s is not a staff member of this unit or a duty officer above it.")
                    % {"no": v["staff_no"]},
                )
        if row.bad & {"date", "unit", "staff_no"}:
            continue
        key = (v["date"], v["unit"], v["staff_no"])
        if key in seen:
            errors.cell(
                row, "staff_no", _("The same shift repeats row %(row)d.") % {"row": seen[key]}
            )
            continue
        seen[key] = row.number
        if not row.bad:
            plan.setdefault((unit[0], v["date"]), {})[person[0]] = v["phone"] or ""
    return plan


def _write(plan, result):
    """Make each (unit, date) of the plan exactly what the file says. → the changes, for the
    event."""
    codes = dict(Unit.objects.filter(pk__in={u for u, _d in plan}).values_list("pk", "code"))
    staff = dict(
        User.objects.filter(pk__in={p for day in plan.values() for p in day}).values_list(
            "pk", "staff_no"
        )
    )
    dates = [d for _u, d in plan]
    existing = {}
    for shift in (
        DutyShift.objects.filter(unit_id__in=codes, date__gte=min(dates), date__lte=max(dates))
        .select_related("person")
        .only("pk", "unit_id", "date", "person_id", "phone", "person__staff_no")
    ):
        if (shift.unit_id, shift.date) in plan:
            existing.setdefault((shift.unit_id, shift.date), {})[shift.person_id] = shift
            staff.setdefault(shift.person_id, shift.person.staff_no)
    new, changed, gone, changes = [], [], [], {"added": [], "updated": [], "removed": []}
    for (unit_id, day), wanted in sorted(plan.items(), key=lambda kv: (kv[0][1], codes[kv[0][0]])):
        have = existing.get((unit_id, day), {})
        for person_id, phone_no in wanted.items():
            label = [day.isoformat(), codes[unit_id], staff[person_id]]
            shift = have.get(person_id)
            if shift is None:
                new.append(
                    DutyShift(unit_id=unit_id, date=day, person_id=person_id, phone=phone_no)
                )
                changes["added"].append(label)
            elif shift.phone != phone_no:
                shift.phone = phone_no
                changed.append(shift)
                changes["updated"].append(label)
            else:
                result.unchanged += 1
        for person_id, shift in have.items():
            if person_id not in wanted:
                gone.append(shift.pk)
                changes["removed"].append([day.isoformat(), codes[unit_id], staff[person_id]])
    DutyShift.objects.filter(pk__in=gone).delete()
    DutyShift.objects.bulk_create(new, batch_size=1000)
    DutyShift.objects.bulk_update(changed, ["phone"], batch_size=1000)
    result.created, result.updated, result.removed = len(new), len(changed), len(gone)
    return changes


# ---- templates -----------------------------------------------------------------------------


def template_workbook() -> bytes:
    """An .xlsx with the Chinese headers and one example row; code and phone columns are Text
    so Excel keeps 工号 like 0012 and phone numbers as typed."""
    return sheets.template_xlsx(SPEC, "值班表", {"date": timezone.localdate().isoformat()})


def template_csv() -> bytes:
    """The same as CSV, UTF-8 with a BOM: the encoding Excel recognises on double-click."""
    return sheets.template_csv(SPEC, {"date": timezone.localdate().isoformat()})
