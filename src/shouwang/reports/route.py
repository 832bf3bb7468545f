"""A report's route on the escalation engine: freeze the policy onto the report, ask the first
level, ask the next one when a deadline is missed, and the locked core of acknowledgement. The
engine (escalation) resolves policies, posts and duty officers and stores deadlines and
messages; what a report's route does with them is here, in the app that owns reports. The
sweep (route_sweep.py) finds the due deadlines and calls in here, inside the transaction that
claimed them; filing calls route_start (a person's report) or route_later (an integration's,
routed by the worker). The report row lock serialises an acknowledgement racing an escalation:
whichever commits first wins, and the other records what it found.
"""

import dataclasses
import functools
import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.utils.translation import get_language

from shouwang.audit.services import event_record, rows_insert
from shouwang.escalation.engine import route_plan
from shouwang.escalation.models import Deadline
from shouwang.escalation.planner import Routing
from shouwang.escalation.services import deadlines_cancel
from shouwang.notify.services import Outgoing, deliveries_cancel, inbox_mark_read_about
from shouwang.org.models import Unit

from .models import Recipient, Report, Severity

REPORT_ACK = "report_ack"
REPORT_ROUTE = (
    "report_route"  # a report accepted without routing: the worker routes it (see report_file)
)
SUBJECT = "reports.report"
SECURITY_STEP, DUTY_STEP = -1, -2  # the step numbers of those informed outside the chain
DIGEST = "reports.digest"  # the subject of a grouped message (see register_grouped)

# Categories whose messages to one person in one routing batch are ONE message listing every
# report a rule raised (a night scan files 夜不归宿 for many students at once: a counsellor gets
# one list, not one message per student); route_sweep routes a rule's burst of them whole, so
# one batch holds the whole filing. Reports people file keep a message each. Filled
# from the AppConfig.ready() of the app that files them.
GROUPED: set[str] = set()


def register_grouped(category_code: str) -> None:
    GROUPED.add(category_code)


class ReportRouting(Routing):
    """The engine's batch routing, plus what a report's route writes: its recipients (asked to
    acknowledge, or informed) and the changed report fields."""

    def __init__(self, now):
        super().__init__(now)
        self.recipients_ack: list[dict] = []
        self.recipients_info: list[dict] = []
        self.changed: dict[int, tuple] = {}  # report pk → (report, fields to save)
        self.grouped: dict[str, Any] = {}  # report pk (str) → its category, when grouped

    def load_reports(self, reports, paths=None):
        """The units around each report: its unit, units involved, and the students' class and
        dorm room, each with its ancestors (two queries for the units involved and the students
        unless the caller passes `paths`: {report pk: [paths]}). 保卫处 may be informed of any."""
        reports = list(reports)
        ids = [r.pk for r in reports]
        if paths is None:
            # The sweep annotates the unit's path; anyone else passes the report with its unit.
            paths = {r.pk: [getattr(r, "unit_path", None) or r.unit.path] for r in reports}
            units = Report.units_involved.through.objects.filter(report_id__any_of=ids)
            for report_id, path in units.values_list("report_id", "unit__path"):
                paths[report_id].append(path)
            students = Report.students.through.objects.filter(report_id__any_of=ids)
            for report_id, klass, room in students.values_list(
                "report_id", "student__klass__path", "student__dorm_room__path"
            ):
                paths[report_id] += [p for p in (klass, room) if p]
        for r in reports:
            if GROUPED and r.source and r.category.code in GROUPED:
                self.grouped[str(r.pk)] = r.category
        roles = {"security_officer"} | {
            role for r in reports for step in r.route or [] for role in step["roles"]
        }
        self.load(reports, paths, roles)

    def save(self, report, *fields):
        _report, known = self.changed.get(report.pk, (report, ()))
        self.changed[report.pk] = (report, tuple(set(known) | set(fields)))

    def flush(self):
        if self.grouped:
            self._coalesce()
        rows_insert(Recipient, self.recipients_ack)
        # Informing someone twice about the same step is harmless: keep the first.
        Recipient.objects.bulk_create(
            [Recipient(**row) for row in self.recipients_info], ignore_conflicts=True
        )
        super().flush()
        # Reports escalated together mostly move to the same step: one UPDATE per distinct set of
        # new values is far cheaper than bulk_update's CASE over hundreds of rows.
        by_values = defaultdict(list)
        for report, fields in self.changed.values():
            values = tuple(
                (f, json.dumps(getattr(report, f), sort_keys=True, default=str))
                for f in sorted(fields)
            )
            by_values[values].append(report)
        for values, reports in by_values.items():
            first = reports[0]
            Report.objects.filter(pk__any_of=[r.pk for r in reports]).update(
                **{f: getattr(first, f) for f, _v in values}
            )

    def _coalesce(self):
        """Messages about reports of grouped categories: each person gets one per kind and
        category in this batch, listing every report (a single report keeps its message)."""
        kept, per_person = [], defaultdict(list)
        for item in self.outgoing:
            category = self.grouped.get(item.subject_id) if item.subject_type == SUBJECT else None
            if category is None:
                kept.append(item)
                continue
            for person in item.recipients:
                per_person[(item.kind, category.code, person.pk)].append((item, person))
        # People who get the same list share one message (as one report's recipients do).
        by_list = defaultdict(list)
        for (kind, code, _pk), entries in per_person.items():
            items = tuple(sorted({id(i): i for i, _p in entries}.values(), key=_by_subject))
            by_list[(kind, code, tuple(i.subject_id for i in items))].append((entries[0][1], items))
        for (kind, code, ids), people in by_list.items():
            items, recipients = people[0][1], [p for p, _items in people]
            if len(items) == 1:
                kept.append(dataclasses.replace(items[0], recipients=recipients))
                continue
            kept.append(
                Outgoing(
                    subject_type=DIGEST,
                    subject_id=f"{code}:{ids[0]}:{len(ids)}",
                    kind=kind,
                    title=f"{items[0].title.split(' · ')[0]} × {len(ids)}",
                    body="\n".join(f"{i.title.split(' · ', 1)[-1]}：{i.body}" for i in items)[
                        :4000
                    ],
                    url=f"/reports/?category={code}",
                    recipients=recipients,
                )
            )
        self.outgoing = kept


def _by_subject(item):
    return int(item.subject_id)


def _report_url(report):
    return f"/reports/{report.pk}/"


@functools.lru_cache(maxsize=64)
def _severity_label(severity, language):
    return str(Severity(severity).label) if severity in Severity else severity


def _title(report):
    # The label translated once per language, not once per report: a sweep titles hundreds.
    label = _severity_label(report.severity, get_language())
    return f"【{label}】{report.category.name} · {report.place}"


def route_start(*, report, now, planned=None, paths=None):
    """Freeze the policy onto the report and ask the first level. Runs in report_file's
    transaction. `planned` is route_plan's result when the report was stored with it; `paths`
    (the unit paths around the report) saves looking them up again."""
    plan = ReportRouting(now)
    if planned is None:
        planned = route_plan(report.category, report.severity, now)
        route_freeze(plan, report, planned)
    plan.load_reports([report], paths={report.pk: paths} if paths is not None else None)
    route_begin(plan, report, planned, now)
    plan.flush()


def route_later(*, report, now):
    """Leave the routing of a stored report to the worker (deadline_sweep), due at once. Runs in
    the filing transaction, so an accepted report always has its route deadline."""
    rows_insert(
        Deadline,
        [
            {
                "kind": REPORT_ROUTE,
                "subject_type": SUBJECT,
                "subject_id": str(report.pk),
                "fence": 0,
                "due_at": now,
                "created_at": now,
            }
        ],
    )


def route_freeze(plan, report, planned):
    report.policy_name, report.route, report.current_step = (
        planned["policy_name"],
        planned["route"],
        planned["current_step"],
    )
    plan.save(report, "policy_name", "route", "current_step")


def route_begin(plan, report, planned, now):
    """Record the frozen route, inform the levels it skips (and 保卫处 for security categories),
    and ask the first staffed level."""
    steps, start = report.route, report.current_step
    event_record(
        actor=None,
        subject=report,
        verb="route.planned",
        at=now,
        data={
            "policy": planned["policy_name"],
            "policy_version": planned["policy_version"],
            "steps": steps,
            "start_step": start,
        },
    )
    _inform_skipped_levels(plan, report, steps[:start], now)
    if planned.get("inform_duty"):
        # At night a policy that names no duty officer still reaches the person on duty at
        # once, for information; the chain it writes is not delayed by a step in front.
        on_duty = [(p, "duty_officer") for p in plan.duty_officers(report)]
        if on_duty:
            _inform(plan, report, step=DUTY_STEP, people=on_duty, reason="night_duty", now=now)
        else:
            event_record(
                actor=None,
                subject=report,
                verb="route.vacant",
                at=now,
                data={
                    "step": DUTY_STEP,
                    "roles": ["duty_officer"],
                    "at": "duty",
                    "purpose": "info",
                },
            )
    if report.category.is_security:
        _inform(
            plan,
            report,
            step=SECURITY_STEP,
            people=plan.people(report, {"roles": ["security_officer"], "at": "office:security"}),
            reason="security",
            now=now,
        )
    # Nobody can acknowledge before this (only those asked may), so the report is still waiting.
    _activate_from(plan, report, start, now)


def _inform(plan, report, *, step, people, reason, now):
    # The reporter already knows what they filed: informing them of it is noise.
    people = [(p, role) for p, role in people if p.pk != report.reporter_id]
    if not people:
        return
    plan.recipients_info += [
        {
            "report_id": report.pk,
            "person_id": p.pk,
            "step": step,
            "purpose": Recipient.Purpose.INFO,
            "role": role,
            "added_at": now,
        }
        for p, role in people
    ]
    plan.send(
        subject_type=SUBJECT,
        subject_id=str(report.pk),
        kind="report.info",
        title=_title(report),
        body=report.description[:500],
        url=_report_url(report),
        recipients=[p for p, _ in people],
    )
    event_record(
        actor=None,
        subject=report,
        verb="route.informed",
        at=now,
        data={
            "step": step,
            "reason": reason,
            "recipients": [p.pk for p, _ in people],
        },
    )


def _inform_skipped_levels(plan, report, skipped_steps, now):
    """越级上报: every skipped level still sees the report, for information."""
    for index, step in enumerate(skipped_steps):
        people = plan.people(report, step)
        if people:
            _inform(plan, report, step=index, people=people, reason="skipped_level", now=now)
        else:
            event_record(
                actor=None,
                subject=report,
                verb="route.vacant",
                at=now,
                data={"step": index, "roles": step["roles"], "at": step["at"], "purpose": "info"},
            )


def _activate_from(plan, report, index, now):
    """Ask the first staffed level from `index` on; vacant levels are skipped and recorded."""
    while index < len(report.route):
        step = report.route[index]
        everyone = plan.people(report, step)
        # The reporter already knows: asking them to acknowledge their own report would only
        # delay the next level (a dorm head's report goes straight to the counsellor).
        people = [(p, role) for p, role in everyone if p.pk != report.reporter_id]
        if everyone and not people:
            event_record(
                actor=None,
                subject=report,
                verb="route.reporter_level",
                at=now,
                data={"step": index, "roles": step["roles"], "at": step["at"]},
            )
            index += 1
            continue
        if people:
            due_at = now + timedelta(minutes=step["ack_minutes"])
            plan.recipients_ack += [
                {
                    "report_id": report.pk,
                    "person_id": p.pk,
                    "step": index,
                    "purpose": Recipient.Purpose.ACK,
                    "role": role,
                    "added_at": now,
                    "due_at": due_at,
                }
                for p, role in people
            ]
            plan.deadline(
                kind=REPORT_ACK,
                subject_type=SUBJECT,
                subject_id=str(report.pk),
                fence=index,
                due_at=due_at,
            )
            if report.current_step != index:
                report.current_step = index
                plan.save(report, "current_step")
            plan.send(
                subject_type=SUBJECT,
                subject_id=str(report.pk),
                kind="report.ack_request",
                title=_title(report),
                body=report.description[:500],
                url=_report_url(report),
                recipients=[p for p, _ in people],
            )
            event_record(
                actor=None,
                subject=report,
                verb="route.step_started",
                at=now,
                data={
                    "step": index,
                    "roles": step["roles"],
                    "at": step["at"],
                    "due_at": due_at.isoformat(),
                    "recipients": [p.pk for p, _ in people],
                },
            )
            return True
        event_record(
            actor=None,
            subject=report,
            verb="route.vacant",
            at=now,
            data={"step": index, "roles": step["roles"], "at": step["at"], "purpose": "ack"},
        )
        index += 1
    report.current_step = index
    report.ack_state = Report.AckState.EXHAUSTED
    plan.save(report, "current_step", "ack_state")
    event_record(actor=None, subject=report, verb="route.exhausted", at=now, data={"step": index})
    return False


def escalate_report(plan, deadline, report, missed_persons, now):
    """One claimed deadline of a locked report: record the miss (against `missed_persons`, the
    pks of those who did not acknowledge) and ask the next level."""
    if report.ack_state != Report.AckState.WAITING or report.current_step != deadline.fence:
        # The acknowledgement (or an earlier escalation) won; say so on the record.
        event_record(
            actor=None,
            subject=report,
            verb="route.escalation_skipped",
            at=now,
            data={"step": deadline.fence, "reason": report.ack_state},
        )
        return "superseded"
    event_record(
        actor=None,
        subject=report,
        verb="deadline.missed",
        at=now,
        data={
            "step": deadline.fence,
            "persons": missed_persons,
            "due_at": deadline.due_at.isoformat(),
        },
    )
    from_step = report.current_step
    escalated = _activate_from(plan, report, deadline.fence + 1, now)
    if escalated:
        event_record(
            actor=None,
            subject=report,
            verb="report.escalated",
            at=now,
            data={"from_step": from_step, "to_step": report.current_step},
        )
    return "escalated" if escalated else "exhausted"


def acknowledge_locked(*, report, person, channel, note, now):
    """Record an acknowledgement by a recipient; the first one stops the chain. Called only by
    services.report_acknowledge (the one entry point), which checks permission and holds the
    transaction; the report row is locked here."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    receipt = (
        Recipient.objects.filter(report=report, person=person, purpose=Recipient.Purpose.ACK)
        .order_by("-step")
        .first()
    )
    if receipt is not None and receipt.acked_at is None:
        receipt.acked_at, receipt.ack_channel, receipt.ack_note = now, channel, note
        receipt.save(update_fields=["acked_at", "ack_channel", "ack_note"])
    # Acknowledged on any channel means seen: the inbox badge stops counting it.
    inbox_mark_read_about(person=person, subject_type=SUBJECT, subject_id=report.pk, now=now)
    first = report.ack_state != Report.AckState.ACKNOWLEDGED
    if first:
        report.ack_state = Report.AckState.ACKNOWLEDGED
        report.acknowledged_at, report.acknowledged_by = now, person
        report.save(update_fields=["ack_state", "acknowledged_at", "acknowledged_by"])
        deadlines_cancel(
            subject_type=SUBJECT, subject_id=report.pk, now=now, outcome="acknowledged"
        )
        deliveries_cancel(subject_type=SUBJECT, subject_id=report.pk, now=now)
    event_record(
        actor=person,
        subject=report,
        verb="report.acknowledged" if first else "report.receipt_recorded",
        at=now,
        data={
            "channel": channel,
            "note": note,
            "step": receipt.step if receipt else None,
            "current_step": report.current_step,
            "late": bool(receipt and receipt.missed_at),
        },
    )
    return report


def route_stop(*, report, now, outcome):
    """Stop a report's route without an acknowledgement (a rule resolved it): its open
    deadlines cancelled with `outcome`, its pending deliveries withdrawn."""
    deadlines_cancel(subject_type=SUBJECT, subject_id=report.pk, now=now, outcome=outcome)
    deliveries_cancel(subject_type=SUBJECT, subject_id=report.pk, now=now)


def context_units(report):
    """The report's unit, its ancestors, and the class and dorm room (with ancestors) of every
    student involved: a dorm-room report still reaches the students' class teacher. (Incidents
    resolve their command group from these.)"""
    paths = [report.unit.path]
    paths += [u.path for u in report.units_involved.all()]
    for klass_path, room_path in report.students.values_list("klass__path", "dorm_room__path"):
        paths.append(klass_path)
        if room_path:
            paths.append(room_path)
    codes = {code for path in paths for code in path.strip("/").split("/")}
    return list(Unit.objects.filter(code__in=codes))
