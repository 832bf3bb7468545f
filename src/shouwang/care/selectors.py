"""Every read of the care ledger, scoped by need-to-know (permissions.py). Opening a file — its
page, the API, an export, an attachment — goes through `file_open`, which records the read
(who, which file, why) or the refused attempt, then returns the file or raises Http404."""

import datetime
import logging

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from shouwang.org.models import Post, Student
from shouwang.org.permissions import can_set_student_status
from shouwang.org.scope import scope_for

from . import permissions, recipients, services, tiers
from .models import TIER_ORDER, BreakGlass, CareFile, Entry, Grant, KeyList, Task, Tier

log = logging.getLogger("shouwang.care")

MAX_PK = 2**63 - 1
GAP_HORIZON = datetime.timedelta(hours=48)
TOKEN_PERM = "care.read"


def _is_token(viewer) -> bool:
    return getattr(viewer, "token", None) is not None


def token_may_read(viewer) -> bool:
    return _is_token(viewer) and viewer.has_token_perm(TOKEN_PERM)


def files_visible(viewer, now=None):
    """The files the viewer may read now (need, former holder, grant, break-glass)."""
    now = now or timezone.now()
    files = CareFile.objects.select_related("student__klass", "owner")
    if _is_token(viewer):
        if not token_may_read(viewer):
            return files.none()
        return files.filter(scope_for(viewer).q("student__klass__path"))
    if not getattr(viewer, "is_authenticated", False):
        return files.none()
    if permissions.is_psych_centre(viewer, now):
        return files
    classes = permissions.class_ids_held(viewer, now) | permissions.former_holder_class_ids(
        user=viewer, now=now
    )
    granted = Grant.objects.filter(
        grantee=viewer, revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now
    ).values("file_id")
    glass = BreakGlass.objects.filter(actor=viewer, at__lte=now, until__gt=now).values("file_id")
    return files.filter(Q(student__klass_id__in=classes) | Q(pk__in=granted) | Q(pk__in=glass))


def _reason(viewer, file, now):
    if _is_token(viewer):
        if token_may_read(viewer) and scope_for(viewer).contains_path(file.student.klass.path):
            return "token"
        return None
    return permissions.access_reason(viewer, file, now)


def file_open(
    viewer, pk, *, via: str, now=None, detail=None, for_write=False
) -> tuple[CareFile, str]:
    """The file and why the viewer may read it, the read on the timeline; else the refused
    attempt on the timeline and Http404 (the same for a file that does not exist).

    `for_write` (a form posted to change the file): the service records the change, so no read
    is recorded here, and a refused attempt goes to the `shouwang.care` log, not the timeline:
    a refused write changes nothing, not even the record."""
    now = now or timezone.now()
    if not isinstance(pk, int) or not 0 < pk <= MAX_PK:
        raise Http404
    file = CareFile.objects.select_related("student__klass", "owner").filter(pk=pk).first()
    actor = None if _is_token(viewer) else viewer
    token_detail = {"token_id": viewer.token.pk} if _is_token(viewer) else {}
    why = _reason(viewer, file, now) if file is not None else None
    if file is None or why is None:
        if for_write:
            log.warning(
                "care file %s: %s refused (%s): no need-to-know",
                pk,
                getattr(viewer, "pk", None),
                via,
            )
        else:
            services.care_read_refused(actor=actor, subject=("care.carefile", pk), via=via, now=now)
        raise Http404
    if not for_write:
        services.care_read_record(
            actor=actor,
            file=file,
            via=via,
            why=why,
            now=now,
            detail={**token_detail, **(detail or {})},
        )
    return file, why


def file_for_student(viewer, student_no: str):
    """The file of a student the viewer may find in the register (break-glass looks it up)."""
    student = (
        Student.objects.filter(scope_for(viewer).q("klass__path"), student_no=student_no[:20])
        .select_related("care_file")
        .first()
    )
    return getattr(student, "care_file", None) if student else None


def home(viewer, now=None) -> dict:
    now = now or timezone.now()
    files = list(files_visible(viewer, now).order_by("-tier_since")[:500])
    by_tier = []
    for tier in sorted(Tier, key=lambda t: -TIER_ORDER[t.value]):
        these = [f for f in files if f.tier == tier.value]
        by_tier.append({"tier": tier, "files": these})
    open_tasks = (
        Task.objects.filter(
            file__in=[f.pk for f in files], done_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("file__student")
        .order_by("due_at")[:100]
    )
    services.care_list_read_record(
        actor=viewer, file_ids=[f.pk for f in files], via="page", now=now
    )
    return {
        "by_tier": by_tier,
        "count": len(files),
        "tasks": [_task_row(t, now) for t in open_tasks],
        "is_psych": permissions.is_psych_centre(viewer, now),
        "may_break_glass": permissions.is_school_wide(viewer, now)
        and not permissions.is_psych_centre(viewer, now),
        "key_lists": key_lists_for(viewer)[:5],
        "students_openable": permissions.is_psych_centre(viewer, now)
        or bool(permissions.class_ids_held(viewer, now)),
        "is_deputy": bool(_deputy_colleges(viewer, now)),
        "may_set_status": can_set_student_status(viewer),
    }


def _deputy_colleges(viewer, now) -> list[str]:
    return list(
        Post.objects.current(timezone.localdate(now))
        .filter(person=viewer, role__code="deputy_secretary", unit__kind="college")
        .values_list("unit__path", flat=True)
    )


STATUS_RECENT = 20


def status_requests(viewer, now=None) -> dict:
    """For 学生处 / 教务处 (others: Http404): the open 休学/复学 requests — student, class, the
    change, who asked, due — and the latest answered ones. No tier, no risk, no reason: the file
    stays closed to them. Recorded as a list read."""
    now = now or timezone.now()
    if not can_set_student_status(viewer):
        raise Http404
    tasks = Task.objects.filter(role=tiers.STATUS_ROLE).select_related(
        "file__student__klass", "requested_by", "done_by"
    )
    open_tasks = list(
        tasks.filter(done_at__isnull=True, cancelled_at__isnull=True).order_by("due_at", "pk")[:200]
    )
    answered = list(
        tasks.filter(Q(done_at__isnull=False) | Q(cancelled_at__isnull=False)).order_by(
            "-created_at", "-pk"
        )[:STATUS_RECENT]
    )
    services.care_list_read_record(
        actor=viewer,
        file_ids=sorted({t.file_id for t in open_tasks + answered}),
        via="status_requests",
        now=now,
    )

    def row(task):
        kind = tiers.task_kind(task.code)
        return {
            "task": task,
            "student": task.file.student,
            "klass": task.file.student.klass.name,
            "title": kind.title if kind else task.code,
            "is_overdue": task.done_at is None and task.due_at <= now,
            "outcome": "done" if task.done_at else ("declined" if task.cancelled_at else ""),
        }

    return {"open": [row(t) for t in open_tasks], "answered": [row(t) for t in answered]}


def overdue_in_colleges(viewer, now=None) -> list[dict]:
    """For a college's deputy secretary: the overdue tier tasks of their college's classes —
    class, task, due, who must act — with no name, tier or risk; the file opens only by a grant
    (`may_open` says whether this viewer has one). Recorded as a list read."""
    now = now or timezone.now()
    colleges = _deputy_colleges(viewer, now)
    if not colleges:
        return []
    under = Q()
    for path in colleges:
        under |= Q(file__student__klass__path__startswith=path)
    tasks = list(
        Task.objects.filter(
            under, overdue_at__isnull=False, done_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("file__student__klass")
        .order_by("due_at", "pk")[:200]
    )
    services.care_list_read_record(
        actor=viewer, file_ids=sorted({t.file_id for t in tasks}), via="overdue", now=now
    )
    rows = []
    for task in tasks:
        kind = tiers.task_kind(task.code)
        rows.append(
            {
                "task": task,
                "klass": task.file.student.klass.name,
                "title": kind.title if kind else task.code,
                "people": [
                    p.display_name for p in recipients.task_people(task.file, task.role, now)
                ],
                "may_open": permissions.access_reason(viewer, task.file, now) is not None,
            }
        )
    return rows


def _task_row(task, now) -> dict:
    kind = tiers.task_kind(task.code)
    is_open = task.done_at is None and task.cancelled_at is None
    is_status = task.role == tiers.STATUS_ROLE
    return {
        "task": task,
        "title": kind.title if kind else task.code,
        "needs_scan": bool(kind and kind.needs_scan),
        "is_overdue": task.done_at is None and task.due_at <= now,
        "is_open": is_open,
        # A 休学/复学 request is 学生处's to carry out (their page), not recorded here.
        "is_status": is_status,
        "may_record": is_open and not is_status,
    }


def supervision(file, now) -> dict:
    """The roster of the next GAP_HORIZON and its gaps (times nobody watches)."""
    end = now + GAP_HORIZON
    shifts = list(file.watches.filter(ends_at__gt=now, starts_at__lt=end).order_by("starts_at"))
    gaps = []
    cursor = now
    for s in shifts:
        if s.starts_at > cursor:
            gaps.append((cursor, s.starts_at))
        cursor = max(cursor, s.ends_at)
    if cursor < end:
        gaps.append((cursor, end))
    return {"shifts": shifts, "gaps": gaps, "until": end}


HISTORY_PAGE = 50  # the page shows the latest entries; the export holds all of them
HISTORY_MAX = 1000


def file_page(viewer, file, why: str, now=None, *, full_history=False) -> dict:
    now = now or timezone.now()
    may_work = permissions.may_work_on(viewer, file, now)
    is_psych = permissions.is_psych_centre(viewer, now)
    tasks = [
        _task_row(t, now)
        for t in file.tasks.select_related("done_by", "requested_by").order_by("due_at")
    ]
    higher = [t for t in Tier if TIER_ORDER[t.value] > TIER_ORDER[file.tier]]
    lower = [t for t in Tier if TIER_ORDER[t.value] < TIER_ORDER[file.tier]]
    limit = HISTORY_MAX if full_history else HISTORY_PAGE
    entries = list(file.entries.select_related("actor")[: limit + 1])
    owners = []
    if may_work:
        owners = sorted(
            {
                p.person
                for p in Post.objects.current(timezone.localdate(now))
                .filter(role__code__in=permissions.CLASS_ROLES)
                .filter(unit__path__in=_ancestors(file.student.klass.path))
                .select_related("person")
            },
            key=lambda u: u.pk,
        )
    return {
        "file": file,
        "student": file.student,
        "why": why,
        "risk_factors": [tiers.risk_factor_label(c) for c in file.risk_factors],
        "all_risk_factors": tiers.risk_factors(),
        "entries": _entry_rows(entries[:limit]),
        "more_history": len(entries) > limit,
        "attachments": list(file.attachments.defer("content").select_related("uploaded_by")),
        "tasks": tasks,
        "open_tasks": [t for t in tasks if t["is_open"]],
        "supervision": supervision(file, now) if file.tier == Tier.DISORDER else None,
        "may_work": may_work,
        "may_raise": may_work and bool(higher),
        "may_lower": permissions.may_lower(viewer, file, now) and bool(lower),
        "status_change": _status_change(file, tasks) if may_work else None,
        "higher": higher,
        "lower": lower,
        "is_psych": is_psych,
        "grants": list(file.grants.select_related("grantee", "granted_by")) if is_psych else [],
        "owners": owners,
        "now": now,
    }


def status_task_get(viewer, task_id: int) -> Task:
    """An open or answered 休学/复学 request, for 学生处 / 教务处 only (others: Http404)."""
    if not can_set_student_status(viewer) or not 0 < task_id <= MAX_PK:
        raise Http404
    task = Task.objects.filter(pk=task_id, role=tiers.STATUS_ROLE).first()
    if task is None:
        raise Http404
    return task


def _status_change(file, tasks) -> str | None:
    """The 休学/复学 request this file may ask for now ("suspend", "reinstate"), or None."""
    if any(t["is_open"] and t["is_status"] for t in tasks):
        return None
    status = file.student.status
    if status == Student.Status.SUSPENDED:
        return "reinstate"
    if status == Student.Status.ENROLLED and file.tier in tiers.SUSPEND_TIERS:
        return "suspend"
    return None


def _entry_rows(entries) -> list[dict]:
    """History as plain strings: the page shows up to HISTORY_MAX lines, and resolving each
    one's label, person and local time in the template cost more than reading them."""
    kinds = {value: str(label) for value, label in Entry.Kind.choices}
    return [
        {
            "at": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M"),
            "kind": kinds.get(e.kind, e.kind),
            "actor": e.actor.display_name if e.actor else "",
            "text": e.text,
        }
        for e in entries
    ]


def _ancestors(path):
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def attachment_open(viewer, file_pk, attachment_pk, *, via="attachment", now=None):
    file, why = file_open(
        viewer, file_pk, via=via, now=now, detail={"attachment_id": attachment_pk}
    )
    attachment = file.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return file, attachment


def break_glass_list(viewer):
    if not permissions.may_review_break_glass(viewer):
        raise Http404
    return BreakGlass.objects.select_related("actor", "file__student", "reviewed_by").order_by(
        "reviewed_at", "-at"
    )


def grants_list(viewer, now=None):
    """Every grant (the psych centre's overview): live ones first, then expired or revoked."""
    now = now or timezone.now()
    if not permissions.may_grant(viewer):
        raise Http404
    grants = list(
        Grant.objects.select_related("file__student__klass", "grantee", "granted_by").order_by(
            "-expires_at"
        )[:300]
    )
    rows = [
        {"grant": g, "is_live": g.revoked_at is None and g.starts_at <= now < g.expires_at}
        for g in grants
    ]
    return sorted(rows, key=lambda r: not r["is_live"])


def key_lists_for(viewer):
    lists = KeyList.objects.select_related("produced_by", "receiver")
    if _is_token(viewer) or not getattr(viewer, "is_authenticated", False):
        return lists.none()
    if permissions.may_produce_key_list(viewer):
        return lists
    return lists.filter(receiver=viewer)


def key_list_get(viewer, pk) -> KeyList:
    if not isinstance(pk, int) or not 0 < pk <= MAX_PK:
        raise Http404
    found = key_lists_for(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def key_list_receivers():
    """People a list may go to: 保卫处 (security office) and the police liaison's holders."""
    day = timezone.localdate()
    posts = Post.objects.current(day).filter(
        Q(unit__function="security") | Q(role__code="security_officer")
    )
    return sorted({p.person for p in posts.select_related("person")}, key=lambda u: u.pk)


def tier_counts(viewer, now=None) -> dict:
    rows = files_visible(viewer, now).values("tier").annotate(n=Count("pk"))
    return {r["tier"]: r["n"] for r in rows}


def key_student_ids(student_ids) -> set[int]:
    """The key students (重点学生: tier ≥ severe, or flagged by the psych centre) among the
    ids; no content, no scope (the caller is talks' sweep: a home visit each semester)."""
    ids = [int(i) for i in student_ids]
    found: set[int] = set()
    for start in range(0, len(ids), 5000):
        found |= set(
            CareFile.objects.filter_key()
            .filter(student_id__in=ids[start : start + 5000])
            .values_list("student_id", flat=True)
        )
    return found
