"""The record the two documents print, gathered once: `comprehensive_record` (综合报告) and
`review_record` (复盘报告) read, in a handful of queries, everything a report prints, as plain
strings and lists. The Word and the PDF renderers read the same record, so they cannot disagree.
The documents are 公文: their text is Chinese whatever the page's language. Scoped by the
caller: the selectors hand these only an incident the viewer may see."""

from datetime import datetime
from typing import Any

from django.db.models import Min
from django.utils import timezone

from shouwang.audit.selectors import events_for_subject
from shouwang.incidents.models import Incident, Task
from shouwang.incidents.views import VERB_LABELS
from shouwang.notify.models import Delivery
from shouwang.org.models import Unit
from shouwang.reports.models import Recipient
from shouwang.reports.selectors import reporter_label

from . import sections

DOCUMENT_VERBS = {
    "document.requested": "文书生成申请",
    "document.generated": "文书已生成",
    "document.failed": "文书生成失败",
}
AUTHORITY = {"head": "组长", "deputy": "组长或副组长", "group": "指挥部成员"}
POSITION = {"head": "组长", "deputy": "副组长", "member": "成员", "office": "办公室"}
SEVERITY = {"general": "一般", "larger": "较大", "major": "重大", "critical": "特别重大"}
# The 复盘's seven sections (seed 003 §5(四)), in the order the review writes them.
# The keys are the aftermath app's (aftermath.models.SECTIONS); the titles are the seed's words.
REVIEW_SECTIONS = [
    ("basic", "事件基本情况"),
    ("response", "应急处置"),
    ("care", "善后抚慰"),
    ("duty", "教育管理职责落实"),
    ("opinion", "舆情管控"),
    ("responsibility", "责任界定"),
    ("improvement", "改进提升建议"),
]
REVIEW_STATES = {"draft": "复盘进行中，尚未签发", "signed": "复盘已签发"}
NOT_YET = "（尚无记录）"


def when(value: datetime | None, *, seconds: bool = False) -> str:
    if value is None:
        return "—"
    local = timezone.localtime(value)
    return local.strftime("%Y年%m月%d日 %H:%M:%S" if seconds else "%Y年%m月%d日 %H:%M")


def _get(obj, name, default=None):
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _name(person) -> str:
    if person is None or person == "":
        return ""
    if isinstance(person, str):
        return person
    return str(_get(person, "display_name", None) or _get(person, "name", None) or person)


def _label(obj, name) -> str:
    """A choice as its label: `<name>_label`, get_<name>_display(), or the value itself."""
    label = _get(obj, f"{name}_label")
    if label:
        return str(label)
    display = getattr(obj, f"get_{name}_display", None)
    return str(display()) if callable(display) else _text(_get(obj, name))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return when(value)
    return str(value)


def _school_name(incident) -> str:
    root = incident.unit.path.strip("/").split("/")[0]
    return Unit.objects.filter(code=root).values_list("name", flat=True).first() or ""


def _report_facts(viewer, report) -> dict:
    first_delivery = Delivery.objects.filter(
        message__subject_type="reports.report",
        message__subject_id=str(report.pk),
        sent_at__isnull=False,
    ).aggregate(first=Min("sent_at"))["first"]
    missed = Recipient.objects.filter(report=report, missed_at__isnull=False).count()
    # A covert observer is never named in a document: whoever downloads it, whatever the
    # requester could see.
    reporter = "隐蔽信息员" if report.reporter_is_covert else reporter_label(viewer, report)
    return {
        "number": report.pk,
        "category": report.category.name,
        "severity": SEVERITY.get(report.severity, report.severity),
        "unit": report.unit.name,
        "place": report.place,
        "occurred_at": report.occurred_at,
        "filed_at": report.filed_at,
        "first_delivery_at": first_delivery,
        "acknowledged_at": report.acknowledged_at,
        "acknowledged_by": _name(report.acknowledged_by),
        "reporter": reporter,
        "people_count": report.people_count,
        "description": report.description,
        "cause": report.cause,
        "trend": report.trend,
        "missed": missed,
    }


def comprehensive_record(viewer, incident: Incident, *, now=None) -> dict[str, Any]:
    """Everything the 综合报告 prints about one incident, from the record only."""
    now = now or timezone.now()
    incident = Incident.objects.select_related(
        "unit",
        "plan_version__plan",
        "report__category",
        "report__unit",
        "report__reporter",
        "report__acknowledged_by",
        "report__api_token",
        "activated_by",
        "closed_by",
    ).get(pk=incident.pk)
    doc = incident.plan
    decision_points = {d["id"]: d for d in doc.get("decisions", [])}
    report = _report_facts(viewer, incident.report) if incident.report_id else None
    group = list(incident.group.select_related("person"))
    tasks = list(incident.tasks.select_related("assignee", "done_by"))
    decisions = list(incident.decisions.select_related("decided_by"))
    situation = list(incident.situation.select_related("author").order_by("at", "pk"))
    arrivals = list(incident.arrivals.select_related("person"))
    releases = list(
        incident.releases.select_related("drafted_by", "published_by").order_by("drafted_at", "pk")
    )
    media = list(
        incident.media_requests.select_related("decided_by").order_by("requested_at", "pk")
    )
    outbound = list(incident.outbound_reports.select_related("recorded_by"))
    external = (
        list(incident.report.external_reports.order_by("sent_at", "pk")) if incident.report else []
    )
    events = list(events_for_subject(incident).order_by("at", "seq"))
    closing = next(
        (e.data.get("summary", "") for e in reversed(events) if e.verb == "incident.closed"), ""
    )
    published = [r for r in releases if r.published_at]

    times = []
    if report:
        times += [
            ("事发时间", when(report["occurred_at"])),
            ("报告时间", when(report["filed_at"])),
            ("首次送达", when(report["first_delivery_at"])),
            ("首次确认", when(report["acknowledged_at"])),
        ]
    times += [
        ("预案启动", when(incident.activated_at)),
        ("首位到场", when(arrivals[0].at) if arrivals else "—"),
        ("决策", "；".join(when(d.decided_at) for d in decisions) or "—"),
        ("信息发布", "；".join(when(r.published_at) for r in published) or "—"),
        ("处置结束", when(incident.closed_at)),
    ]

    items = sections.provide(sections.AFTERMATH_ITEMS, viewer, incident)
    findings = sections.provide(sections.FINDINGS, viewer, incident)
    return {
        "kind": "comprehensive",
        "title": f"关于{incident.title}的综合报告",
        "school": _school_name(incident),
        "generated_at": when(now),
        "incident": {
            "number": incident.pk,
            "title": incident.title,
            "plan": doc.get("title", ""),
            "level": incident.level_name(),
            "unit": incident.unit.name,
            "status": "已结束" if incident.status == Incident.Status.CLOSED else "处置中",
            "activated_by": _name(incident.activated_by),
            "closed_by": _name(incident.closed_by),
            "closing_summary": closing,
        },
        "report": report,
        "times": times,
        "group": [
            {
                "position": POSITION.get(m.position, m.position),
                "title": m.title,
                "person": _name(m.person),
                "stands_in_for": m.stands_in_for,
            }
            for m in group
        ],
        "tasks": [
            {
                "title": t.title,
                "phase": t.phase,
                "assignee": _name(t.assignee),
                "due_at": when(t.due_at),
                "done": t.state == Task.State.DONE,
                "done_at": when(t.done_at),
                "done_by": _name(t.done_by),
                "mandatory": t.mandatory,
                "late": bool(t.done_at and t.done_at > t.due_at)
                or (t.state == Task.State.OPEN and t.due_at <= now),
                "note": t.note,
            }
            for t in tasks
        ],
        "tasks_done": sum(t.state == Task.State.DONE for t in tasks),
        "arrivals": [{"person": _name(a.person), "at": when(a.at)} for a in arrivals],
        "situation": [
            {
                "at": when(s.at),
                "author": _name(s.author),
                "text": s.text,
                "place": s.place,
                "trend": s.trend,
                "numbers": "，".join(
                    f"{label}{n}人"
                    for label, n in (
                        ("涉及", s.people_involved),
                        ("受伤", s.injured),
                        ("死亡", s.dead),
                    )
                    if n is not None
                ),
            }
            for s in situation
        ],
        "decisions": [
            {
                "at": when(d.decided_at),
                "title": d.title,
                "option": d.option,
                "reason": d.reason,
                "by": _name(d.decided_by),
                "authority": d.authority
                or AUTHORITY.get(decision_points.get(d.decision_id, {}).get("authority", ""), ""),
            }
            for d in decisions
        ],
        "releases": [
            {
                "title": r.title,
                "published": bool(r.published_at),
                "at": when(r.published_at or r.drafted_at),
                "channel": r.channel,
                "by": _name(r.published_by or r.drafted_by),
            }
            for r in releases
        ],
        "media": [
            {
                "outlet": m.outlet,
                "at": when(m.requested_at),
                "decision": m.get_decision_display(),
                "note": m.decision_note,
            }
            for m in media
        ],
        "external": [
            {"at": when(o.sent_at), "recipient": o.recipient, "content": o.content}
            for o in outbound
        ]
        + [
            {"at": when(x.sent_at), "recipient": x.recipient, "content": x.content}
            for x in external
        ],
        "aftermath_items": None if items is None else [_item(i) for i in items],
        "findings": None if findings is None else [_finding(f) for f in findings],
        "chronology": [
            {
                "at": when(e.at, seconds=True),
                "actor": _name(e.actor) or "系统",
                "what": str(DOCUMENT_VERBS.get(e.verb) or VERB_LABELS.get(e.verb, e.verb)),
                "detail": _event_detail(e.data),
            }
            for e in events
        ],
    }


def _event_detail(data: dict) -> str:
    parts = [
        data.get(k)
        for k in ("title", "option", "reason", "summary")
        if isinstance(data.get(k), str)
    ]
    return "：".join(p for p in parts if p)[:300]


def _item(item) -> dict:
    return {
        "title": _text(_get(item, "title")) or _label(item, "kind"),
        "owner": _name(_get(item, "owner")),
        "due_at": _text(_get(item, "due_at")),
        "state": _label(item, "status") if _get(item, "status") else _label(item, "state"),
    }


def _finding(finding) -> dict:
    return {
        "kind": _label(finding, "kind"),
        "person": _name(_get(finding, "person")),
        "unit": _name(_get(finding, "unit")),
        "state": _label(finding, "state"),
        "summary": _text(_get(finding, "summary")),
    }


def review_record(viewer, incident: Incident, *, now=None) -> dict[str, Any]:
    """The 复盘报告: the review's seven sections as the reviewers wrote them when the aftermath
    app has registered its review (sections.REVIEW); otherwise (no review yet) a draft of the
    seven sections pre-filled from the record, marked as such."""
    base = comprehensive_record(viewer, incident, now=now)
    review = sections.provide(sections.REVIEW, viewer, incident)
    record = {**base, "kind": "review", "title": f"关于{base['incident']['title']}的复盘报告"}
    if review is None:
        record.update(
            review_state="依据记录自动生成的草稿（复盘尚未开始）",
            signed="",
            sections=_draft_sections(base),
            facts=[],
        )  # the times are in section 一
        return record
    written = {}
    extra = []
    titles = dict(REVIEW_SECTIONS)
    by_title = {title: code for code, title in REVIEW_SECTIONS}
    for s in _get(review, "sections", None) or []:
        code = _get(s, "key") or _get(s, "code") or by_title.get(_get(s, "title"), "")
        # A known section takes the seed's title, whatever language the provider spoke.
        entry = {
            "title": titles.get(code) or _text(_get(s, "title")) or code,
            "paragraphs": _paragraphs(_get(s, "text")),
            "signed": _signature(s),
        }
        if code in titles:
            written[code] = entry
        else:
            extra.append(entry)
    ordered = [
        written.get(code) or {"title": title, "paragraphs": ["（未填写）"], "signed": ""}
        for code, title in REVIEW_SECTIONS
    ]
    state = _get(review, "state_label") or REVIEW_STATES.get(
        _get(review, "state"), _text(_get(review, "state"))
    )
    # The key times come from the record (the review's own facts are the JSON its text was
    # pre-filled from; printed here they would repeat the sections).
    record.update(
        review_state=str(state or ""),
        signed=_signature(review),
        sections=ordered + extra,
        facts=base["times"],
    )
    return record


def _signature(obj) -> str:
    by, at = _get(obj, "signed_by"), _get(obj, "signed_at")
    if not by and not at:
        return ""
    return "　".join(p for p in (_name(by), _text(at)) if p)


def _paragraphs(text) -> list[str]:
    lines = [line.strip() for line in _text(text).splitlines()]
    return [line for line in lines if line] or ["（未填写）"]


def _draft_sections(r: dict) -> list[dict]:
    inc, rep = r["incident"], r["report"]
    facts = [
        f"事件名称：{inc['title']}，涉及单位{inc['unit']}；启动《{inc['plan']}》{inc['level']}响应，现{inc['status']}。"
    ]
    if rep:
        facts.append(
            f"事发地点：{rep['place']}。报告人：{rep['reporter']}（{rep['category']}，{rep['severity']}）。"
            f"{rep['description']}"
        )
    facts += [f"{label}：{value}" for label, value in r["times"]]
    response = [
        "指挥部：" + "；".join(f"{g['title']}{g['person']}" for g in r["group"]) + "。",
        f"处置任务{len(r['tasks'])}项，已完成{r['tasks_done']}项。",
    ]
    response += [
        f"{d['at']}，{d['title']}：{d['option']}（决定人：{d['by']}，权限：{d['authority']}；理由：{d['reason']}）"
        for d in r["decisions"]
    ]
    care = (
        [
            f"{i['title']}：责任人{i['owner']}，期限{i['due_at']}，{i['state']}"
            for i in r["aftermath_items"]
        ]
        if r["aftermath_items"]
        else [NOT_YET]
    )
    duty = []
    if rep:
        duty.append(
            f"报告于{when(rep['filed_at'])}提交，首次确认{when(rep['acknowledged_at'])}"
            f"（{rep['acknowledged_by'] or '无人确认'}）；逐级确认超时{rep['missed']}人次。"
        )
    late = [t for t in r["tasks"] if t["late"]]
    duty.append(
        f"超时完成或逾期未完成的任务{len(late)}项"
        + ("：" + "；".join(t["title"] for t in late) if late else "。")
    )
    opinion = [
        f"{x['at']}，{'发布' if x['published'] else '起草'}《{x['title']}》"
        + (f"（{x['channel']}）" if x["channel"] else "")
        for x in r["releases"]
    ]
    opinion += [f"{m['at']}，{m['outlet']}采访申请：{m['decision']}" for m in r["media"]]
    resp = (
        [
            f"{f['kind']}：{f['person']}（{f['unit']}），{f['state']}。{f['summary']}"
            for f in r["findings"]
        ]
        if r["findings"]
        else [NOT_YET]
    )
    texts = [facts, response, care, duty, opinion or [NOT_YET], resp, ["（待复盘小组填写）"]]
    return [
        {"title": title, "paragraphs": paragraphs, "signed": ""}
        for (_code, title), paragraphs in zip(REVIEW_SECTIONS, texts, strict=True)
    ]
