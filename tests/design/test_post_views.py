"""Every page view that accepts POST, in one table, tested the same three ways:

1. the wrong method (GET on a POST-only address, PUT/DELETE on a form page) answers 405 — the
   Chinese 405 page — and changes nothing;
2. a signed-in person outside the object's scope, or without the right, POSTing the very data
   that works for someone allowed gets 404 or 403 and nothing changes;
3. the same POST by someone allowed does succeed (so 2. is refused for who they are, not for
   bad data).

The table is checked against the project's URL patterns: a new view that accepts POST and has
no entry here fails test_every_post_view_is_in_the_table. Views are named by URL name and
driven over HTTP, so moving a view to another app (the inbox pages to notify, routing into
reports) needs no change here. The API (api/v1/) has its own schema tests; admin/, i18n/ and
static files are Django's.
"""

import datetime
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from shouwang.accountability.models import Finding
from shouwang.accountability.services import detector_run

# The public services the set-ups use, imported from one place so a refactor re-points them here.
from shouwang.aftermath.models import SECTION_KEYS, Review
from shouwang.aftermath.services import (
    action_issue,
    action_submit,
    review_section_save,
    review_sign_off,
)
from shouwang.escalation.services import duty_shift_add, holiday_add
from shouwang.incidents.models import Incident
from shouwang.incidents.services import (
    incident_activate,
    incident_close,
    media_request_log,
    release_draft,
    task_complete,
)
from shouwang.notify.models import NotificationRule
from shouwang.plans.services import resource_save
from shouwang.reports.acklinks import ack_link_create
from shouwang.reports.models import Recipient
from shouwang.reports.services import report_file, report_verify
from tests.incidents.conftest import TEST_PLAN

pytestmark = pytest.mark.usefixtures("afternoon")

# cas/ is django-cas-ng's, driven against a real CAS server in tests/accounts/test_cas.py.
SKIPPED_PREFIXES = ("admin/", "i18n/", "api/v1/", "static/", "cas/")


# ---- which views accept POST ---------------------------------------------------------------


def _walk(patterns, prefix=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            yield route, p


def declared_methods(callback) -> set[str] | None:
    """The methods a view lets through, or None when it does not restrict them: a class-based
    view's handlers, or the list given to require_http_methods (require_POST, require_GET …)
    somewhere in its chain of decorators."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    func = callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return {m.upper() for m in cell.cell_contents}
        func = getattr(func, "__wrapped__", None)
    return None


def accepts_post(callback) -> bool:
    """Restricted views say so; an unrestricted function view accepts POST when its body
    looks at the method or the posted data (a page that ignores both is a GET page)."""
    methods = declared_methods(callback)
    if methods is not None:
        return "POST" in methods
    source = inspect.getsource(inspect.unwrap(callback))
    return "request.POST" in source or "request.method" in source


def post_views() -> dict[str, str]:
    """{url name: route} of every page view (outside SKIPPED_PREFIXES) that accepts POST."""
    found = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or not accepts_post(pattern.callback):
            continue
        assert pattern.name, f"{route} accepts POST but has no URL name: name it, to test it"
        found[pattern.name] = route
    return found


# ---- what "nothing changed" means ----------------------------------------------------------


def snapshot() -> dict[str, int]:
    """Row counts of every Shouwang table (the timeline's events among them). Every write in
    the project records an event, so a changed row shows up at least as one more event."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("shouwang.")
    }


def changed(before: dict[str, int]) -> dict[str, tuple[int, int]]:
    after = snapshot()
    return {label: (n, after[label]) for label, n in before.items() if n != after[label]}


# ---- the table -----------------------------------------------------------------------------

POST_ONLY = ("GET",)
FORM_PAGE = ("PUT", "DELETE")


@dataclass(frozen=True)
class PostView:
    # (the campus) → (URL kwargs, valid POST data for `allowed`); creates what the view acts on.
    setup: Callable[[SimpleNamespace], tuple[dict, dict]]
    # Who may: a person of the campus fixture, or None for an anonymous visitor.
    allowed: str | None
    # Methods that must answer 405.
    wrong: tuple[str, ...]
    # People outside the object's scope or without the right: the same POST is refused.
    refused: tuple[str, ...] = ()
    refused_with: tuple[int, ...] = (403, 404)
    # Why nobody is refused, when `refused` is empty (personal or public endpoints).
    nobody_refused_because: str = ""
    # A successful POST writes (False: a read-only check, e.g. the editors' live validation).
    writes: bool = True


def _local(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _minutes_ago(minutes: int) -> str:
    return _local(timezone.now() - datetime.timedelta(minutes=minutes))


def _report(w):
    """夜不归宿 about 张三 in room D01-101, filed by the admin: the dorm head 刘同学 is asked
    first."""
    now = timezone.now()
    return report_file(
        actor=w.admin,
        category="night_absence",
        severity="general",
        unit="D01-101",
        occurred_at=now - datetime.timedelta(minutes=10),
        place="1号楼101室",
        description="张三22:30查寝未归",
        students=["2024010101"],
        now=now,
    )


def _incident(w):
    """Activated by 陈处长 for class C01-2024-1 at level II: zhang owns the task 'contain'."""
    return incident_activate(actor=w.chen, plan=w.plan, level="II", unit=w.class_a)


def _csv(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


def _default_policy():
    from shouwang.escalation.models import EscalationPolicy

    return EscalationPolicy.objects.get(name="夜不归宿（一般）")


def _default_steps() -> str:
    return yaml.safe_dump(_default_policy().steps, allow_unicode=True, sort_keys=False)


def on_report(**data):
    """A set-up acting on a fresh report."""
    return lambda w: ({"report_id": _report(w).pk}, data)


def on_incident(**data):
    """A set-up acting on a fresh incident."""
    return lambda w: ({"pk": _incident(w).pk}, data)


def plain(data):
    """A set-up for an address without an object; `data` may need the campus."""
    return lambda w: ({}, data(w) if callable(data) else data)


def verified_report(w):
    report = report_verify(actor=w.admin, report=_report(w), verdict="true", note="核实属实")
    return {"report_id": report.pk}, {"decision": "local", "note": "学院处理"}


def ack_link_token(w):
    recipient = Recipient.objects.get(report=_report(w), person=w.liu, purpose="ack")
    token = ack_link_create(recipient=recipient).rstrip("/").rsplit("/", 1)[1]
    return {"token": token}, {"note": "收到"}


def new_report_form(w):
    return {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": _minutes_ago(10),
        "place": "1号楼101室",
        "description": "张三22:30查寝未归",
        "students": "2024010101",
    }


def task_to_finish(w):
    incident = _incident(w)
    task = incident.tasks.get(step_id="contain")
    return {"pk": incident.pk, "task_id": task.pk}, {"note": "已控制"}


def release_to_publish(w):
    incident = _incident(w)
    release = release_draft(
        actor=w.chen, incident=incident, title="情况通报", body="我校发生一起……"
    )
    return {"pk": incident.pk, "release_id": release.pk}, {"channel": "学校官网"}


def media_request_to_decide(w):
    incident = _incident(w)
    request = media_request_log(actor=w.chen, incident=incident, outlet="某晚报")
    return {"pk": incident.pk, "request_id": request.pk}, {
        "decision": "declined",
        "note": "统一发布",
    }


def incident_ready_to_close(w):
    incident = _incident(w)
    for task in incident.tasks.filter(mandatory=True):
        task_complete(actor=w.chen, task=task, note="完成")
    return {"pk": incident.pk}, {"summary": "处置完毕"}


def _closed_review(w, *, filled=False, signed=False) -> Review:
    """The test incident, its tasks done, closed by 陈处长: its aftermath and review open."""
    incident = incident_ready_to_close(w)[0]["pk"]
    incident_close(actor=w.chen, incident=Incident.objects.get(pk=incident), summary="处置完毕")
    review = Review.objects.get(incident_id=incident)
    if filled or signed:
        for key in SECTION_KEYS:
            review_section_save(actor=w.chen, review=review, key=key, text="内容")
    if signed:
        review_sign_off(actor=w.boss, review=review)
    return review


def aftermath_of_closed(data):
    return lambda w: ({"pk": _closed_review(w).aftermath_id}, data)


def aftermath_item_to_update(w):
    review = _closed_review(w)
    item = review.aftermath.items.get(kind__code="victim_care")
    return {"pk": review.aftermath_id, "item_id": item.pk}, {
        "state": "in_progress",
        "note": "已联系家长",
    }


def on_review(data, **state):
    return lambda w: ({"pk": _closed_review(w, **state).pk}, data(w) if callable(data) else data)


def review_section_to_write(w):
    return {"pk": _closed_review(w).pk, "key": "duty"}, {"text": "班级安全教育未落实到位"}


def _action(w, *, submitted=False):
    review = _closed_review(w)
    action = action_issue(
        actor=w.chen,
        source_type="aftermath.review",
        source_id=review.pk,
        title="完善巡查制度",
        requirement="每晚巡查",
        evidence_required="巡查记录",
        owner_unit=w.class_a,
        owner=w.zhang,
        due_at=timezone.now() + datetime.timedelta(days=10),
    )
    if submitted:
        action_submit(actor=w.zhang, action=action, evidence_text="已完成")
    return action


def on_action(data, **state):
    return lambda w: ({"pk": _action(w, **state).pk}, data)


def new_action_form(w):
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    return {
        "title": "完善巡查制度",
        "requirement": "每晚巡查",
        "evidence_required": "巡查记录",
        "owner_unit": "C01-2024-1",
        "owner": "T0003",
        "due_at": due,
    }


def resource_to_delete(w):
    return {"pk": resource_save(actor=w.chen, kind="material", name="备用试卷", quantity=3).pk}, {}


def policy_to_edit(w):
    return {"pk": _default_policy().pk}, {
        "name": "夜不归宿（一般）·修订",
        "is_active": "on",
        "steps": _default_steps(),
        "start_step": "1",
    }


def shift_to_remove(w):
    shift = duty_shift_add(
        actor=w.chen, unit=w.c01, date=datetime.date(2026, 11, 25), person=w.zhang
    )
    return {"pk": shift.pk}, {}


def holiday_to_remove(w):
    return {"pk": holiday_add(actor=w.chen, date=datetime.date(2026, 12, 25), name="校庆日").pk}, {}


ROSTER_CSV = (
    "日期,单位代码,值班人工号,值班电话\r\n2026-11-25,C01,T0005,\r\n"  # 孙老师 is staff of C01
)
UNITS_CSV = "单位代码,单位名称,单位类型,上级单位代码\r\nC01-2024-3,计科2024-3班,班级,C01-2024\r\n"
TEST_DRILL = {"code": "test_drill"}
# Outsiders: zhao (counsellor of the other class) and liu (dorm head, a student cadre).
OUTSIDERS = ("zhao", "liu")


def _late_finding(w):
    """A 迟报 finding against zhang (a 重大 fight filed an hour after it happened)."""
    now = timezone.now()
    report_file(
        actor=w.zhang,
        category="fight",
        severity="major",
        unit="C01-2024-1",
        occurred_at=now - datetime.timedelta(minutes=60),
        place="二食堂",
        description="打架",
        now=now,
    )
    detector_run(actor=None, now=now)
    return Finding.objects.get(kind="late_report")


def _late_report(w):
    now = timezone.now()
    report_file(
        actor=w.zhang,
        category="fight",
        severity="major",
        unit="C01-2024-1",
        occurred_at=now - datetime.timedelta(minutes=60),
        place="二食堂",
        description="打架",
        now=now,
    )
    return {}


TABLE: dict[str, PostView] = {
    # ---- reports ----
    "report_new": PostView(
        setup=plain(new_report_form),
        allowed="liu",
        wrong=FORM_PAGE,
        refused=("zhao",),
        # A unit or student outside the reporter's scope is a field error worded as for an
        # unknown one (no probing): the refusal is the form's 400, not 403/404.
        refused_with=(400,),
    ),
    "report_ack": PostView(
        setup=on_report(note="已联系上"),
        allowed="liu",
        wrong=POST_ONLY,
        # sun sees the report (张三's class teacher) but was not asked to acknowledge it.
        refused=("zhao", "sun"),
    ),
    "report_update": PostView(
        setup=on_report(text="已联系家长"), allowed="zhang", wrong=POST_ONLY, refused=("zhao",)
    ),
    "report_verify": PostView(
        setup=on_report(verdict="true", note="属实"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),  # liu sees the report (her room) but does not verify
    "report_decide": PostView(
        setup=verified_report, allowed="chen", wrong=POST_ONLY, refused=OUTSIDERS
    ),
    "report_severity": PostView(
        setup=on_report(severity="larger", reason="涉及多名学生"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),  # liu sees the report (her room) but does not verify it
    "report_external": PostView(
        setup=lambda w: on_report(
            recipient_kind="education",
            recipient="市教育局",
            content="已电话报告",
            sent_at=_minutes_ago(5),
        )(w),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "ack_link": PostView(
        setup=ack_link_token,
        allowed=None,
        wrong=FORM_PAGE,
        nobody_refused_because="the signed single-use token is the credential, whoever holds it "
        "(forged, used, expired: tests/reports/test_inbox_and_links.py)",
    ),
    # ---- incidents ----
    "incident_new": PostView(
        setup=plain({"plan": "test_drill", "level": "II", "unit": "C01-2024-1", "title": "演练"}),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=OUTSIDERS,
    ),
    "incident_task_done": PostView(
        setup=task_to_finish, allowed="zhang", wrong=POST_ONLY, refused=OUTSIDERS
    ),
    "incident_decide": PostView(
        setup=on_incident(decision_id="police", option="报警", reason="有人受伤"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "incident_situation": PostView(
        setup=on_incident(text="现场已控制", injured="1"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "incident_arrive": PostView(
        setup=on_incident(), allowed="chen", wrong=POST_ONLY, refused=OUTSIDERS
    ),
    "incident_level": PostView(
        setup=on_incident(level="I", reason="事态扩大"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "zhang"),
    ),  # zhang owns a task but does not command
    "incident_external": PostView(
        setup=on_incident(recipient="市教育局", content="已电话报告"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "incident_release_new": PostView(
        setup=on_incident(title="情况通报", body="我校发生一起……"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "incident_release_publish": PostView(
        setup=release_to_publish, allowed="xuan", wrong=POST_ONLY, refused=(*OUTSIDERS, "chen")
    ),  # chen runs the incident; only 宣传部 publishes
    "incident_media_new": PostView(
        setup=on_incident(outlet="某晚报", topic="事件经过"),
        allowed="chen",
        wrong=POST_ONLY,
        refused=OUTSIDERS,
    ),
    "incident_media_decide": PostView(
        setup=media_request_to_decide, allowed="xuan", wrong=POST_ONLY, refused=(*OUTSIDERS, "chen")
    ),
    "incident_close": PostView(
        setup=incident_ready_to_close,
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "zhang"),
    ),
    # ---- aftermath, review, corrective actions ----
    # sun (class A's teacher) sees the incident and its review but is not in the command group.
    "aftermath_investigation": PostView(
        setup=aftermath_of_closed(
            {"cause": "同学纠纷", "process": "经过", "consequences": "一人轻伤"}
        ),
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun"),
    ),
    "aftermath_item": PostView(
        setup=aftermath_item_to_update, allowed="wang", wrong=POST_ONLY, refused=(*OUTSIDERS, "sun")
    ),
    "review_section": PostView(
        setup=review_section_to_write, allowed="chen", wrong=POST_ONLY, refused=(*OUTSIDERS, "sun")
    ),
    "review_sign_off": PostView(
        setup=on_review({}, filled=True),
        allowed="boss",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun", "chen"),
    ),  # chen runs the review; only the group head signs
    "review_refresh": PostView(
        setup=on_review({}), allowed="chen", wrong=POST_ONLY, refused=(*OUTSIDERS, "sun")
    ),
    "review_amend": PostView(
        setup=on_review({"section": "basic", "text": "补充：伤者已出院"}, signed=True),
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun"),
    ),
    "review_action_new": PostView(
        setup=on_review(new_action_form),
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun"),
    ),
    "action_progress": PostView(
        setup=on_action({"text": "已制定巡查表"}),
        allowed="zhang",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun"),
    ),  # sun sees class A's actions but does not own this one
    "action_submit": PostView(
        setup=on_action({"evidence_text": "巡查记录已上传"}),
        allowed="zhang",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "sun"),
    ),
    "action_inspect": PostView(
        setup=on_action({"verdict": "accept"}, submitted=True),
        allowed="chen",
        wrong=POST_ONLY,
        refused=(*OUTSIDERS, "zhang"),
    ),  # the owner does not inspect their own work
    # ---- documents ----
    "incident_documents": PostView(
        setup=on_incident(kind="comprehensive", format="docx"),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=OUTSIDERS,
    ),
    # ---- plans and resources ----
    "plan_clone": PostView(
        setup=lambda w: (TEST_DRILL, {"code": "my_drill", "title": "本校演练预案"}),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "liu"),
    ),
    "plan_edit": PostView(
        setup=lambda w: (
            TEST_DRILL,
            {"yaml_text": TEST_PLAN.replace("测试预案", "测试预案（修订）")},
        ),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "liu"),
    ),
    "plan_check": PostView(
        setup=lambda w: (TEST_DRILL, {"yaml_text": TEST_PLAN}),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "liu"),
        writes=False,
    ),
    "resource_list": PostView(
        setup=plain(
            {
                "kind": "material",
                "name": "备用试卷",
                "quantity": "3",
                "unit_label": "套",
                "location": "教务处",
            }
        ),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "liu"),
    ),
    "resource_delete": PostView(
        setup=resource_to_delete, allowed="chen", wrong=POST_ONLY, refused=("zhang", "liu")
    ),
    # ---- escalation: policies, duty roster, holidays ----
    "escalation_policy_new": PostView(
        # Not active (no is_active): it cannot clash with the shipped policies.
        setup=plain(lambda w: {"name": "测试策略", "steps": _default_steps(), "start_step": "1"}),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "li"),
    ),
    "escalation_policy_validate": PostView(
        setup=plain(lambda w: {"name": "x", "steps": _default_steps(), "start_step": "1"}),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "li"),
        writes=False,
    ),
    "escalation_policy_edit": PostView(
        setup=policy_to_edit, allowed="chen", wrong=FORM_PAGE, refused=("zhang", "li")
    ),
    "duty_add": PostView(
        setup=plain({"date": "2026-11-25", "unit": "C01", "person": "T0003", "phone": ""}),
        # li (deputy secretary of C01) runs the college's roster; counsellors and cadres do not.
        allowed="li",
        wrong=POST_ONLY,
        refused=("zhang", "zhao", "liu"),
    ),
    "duty_remove": PostView(
        setup=shift_to_remove, allowed="li", wrong=POST_ONLY, refused=("zhang", "zhao", "liu")
    ),
    "duty_import": PostView(
        setup=plain(lambda w: {"file": _csv("roster.csv", ROSTER_CSV)}),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "liu"),
    ),
    "holidays": PostView(
        setup=plain({"date": "2026-12-25", "name": "校庆日"}),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "li"),
    ),
    "holiday_remove": PostView(
        setup=holiday_to_remove, allowed="chen", wrong=POST_ONLY, refused=("zhang", "li")
    ),
    # ---- accountability ----
    "accountability_explain": PostView(
        setup=lambda w: ({"pk": _late_finding(w).pk}, {"text": "当时在现场处置"}),
        allowed="zhang",
        wrong=POST_ONLY,
        refused=("zhao", "liu", "li"),
    ),  # li sees the college's, but is not named
    "accountability_decide": PostView(
        setup=lambda w: (
            {"pk": _late_finding(w).pk},
            {"outcome": "exempted", "reason": "先处置后报告"},
        ),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "li", "zhao"),
    ),
    "accountability_detect": PostView(
        setup=lambda w: ({}, _late_report(w)),
        allowed="chen",
        wrong=POST_ONLY,
        refused=("zhang", "li", "liu"),
    ),
    "accountability_limits": PostView(
        setup=plain({"severity": "general", "minutes": "60", "required_at": ""}),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "li"),
    ),
    # ---- the register, notifications, signing in ----
    "import": PostView(
        setup=plain(lambda w: {"kind": "units", "file": _csv("units.csv", UNITS_CSV)}),
        allowed="chen",
        wrong=FORM_PAGE,
        refused=("zhang", "li", "liu"),
    ),
    "notify_rules": PostView(
        setup=plain({"channel_0": "email", "wait_0": "0", "channel_1": "sms", "wait_1": "5"}),
        allowed="zhang",
        wrong=FORM_PAGE,
        nobody_refused_because="a person's own rules: there is no one else's object to address "
        "(test_notification_rules_change_only_the_posters_own)",
    ),
    "login": PostView(
        setup=plain(lambda w: {"username": "zhang", "password": w.password}),
        allowed=None,
        wrong=FORM_PAGE,
        writes=False,
        nobody_refused_because="public: the sign-in form",
    ),
    "logout": PostView(
        setup=plain({}),
        allowed="zhang",
        wrong=POST_ONLY,
        writes=False,
        nobody_refused_because="acts on the poster's own session only",
    ),
}

# The modules added after issue 15 keep their rows beside this file, one module per app:
# tests/design/post_views_<app>.py defines rows(PostView, POST_ONLY, FORM_PAGE) → {name: PostView}
# (so parallel work on several apps never edits this table).
for _info in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _info.name.startswith("post_views_"):
        _rows = import_module(f"{__package__}.{_info.name}").rows(
            PostView=PostView, POST_ONLY=POST_ONLY, FORM_PAGE=FORM_PAGE
        )
        assert not set(_rows) & set(TABLE), f"{_info.name} repeats rows: {set(_rows) & set(TABLE)}"
        TABLE.update(_rows)

GAPS: dict = {}  # plan_check refuses those who may not edit plans (fixed with this test)
# every form page answers other methods with 405 (fixed with this test)
WRONG_METHOD_GAPS: dict = {}


def _client(w, who):
    client = Client()
    if who is not None:
        client.force_login(getattr(w, who))
    return client


def _send(client, method, url, data):
    """A request with the form data in a multipart body, whatever the method."""
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, data)
    return client.generic(
        method,
        url,
        encode_multipart(BOUNDARY, data),
        content_type=MULTIPART_CONTENT,
        HTTP_ACCEPT="text/html",
    )


def _params(pairs, gaps):
    """pytest params (name, extra); those in `gaps` are xfail(strict) with the gap as reason."""

    def marks(key):
        if key not in gaps:
            return []
        return [pytest.mark.xfail(strict=True, raises=AssertionError, reason=gaps[key])]

    return [
        pytest.param(name, extra, id=f"{name}-{extra}", marks=marks((name, extra)))
        for name, extra in pairs
    ]


# ---- the tests -----------------------------------------------------------------------------


def test_every_post_view_is_in_the_table():
    found = post_views()
    missing = sorted(set(found) - set(TABLE))
    assert not missing, f"POST views with no TABLE entry (wrong method, who is refused): {missing}"
    stale = sorted(set(TABLE) - set(found))
    assert not stale, f"TABLE entries that are no longer POST views: {stale}"


def test_the_detection_tells_post_views_from_get_pages():
    found = post_views()
    # Known answers, so the walk cannot silently find nothing.
    assert {"report_ack", "report_new", "incident_close", "login", "logout", "notify_rules"} <= set(
        found
    )
    assert not {"home", "report_detail", "inbox", "report_student_lookup", "incident_board"} & set(
        found
    )


def test_every_entry_says_who_is_refused_or_why_nobody_is():
    for name, view in TABLE.items():
        assert bool(view.refused) != bool(view.nobody_refused_because), name
        assert view.allowed not in view.refused, name


WRONG_METHODS = [(n, m) for n, v in TABLE.items() for m in v.wrong]


@pytest.mark.parametrize("name,method", _params(WRONG_METHODS, {}))
def test_the_wrong_method_changes_nothing(campus, name, method):
    view = TABLE[name]
    kwargs, data = view.setup(campus)
    client = _client(campus, view.allowed)  # the one who could POST it: only the method is wrong
    before = snapshot()
    response = _send(client, method, reverse(name, kwargs=kwargs), data)
    assert response.status_code < 500, (name, method, response.status_code)
    assert changed(before) == {}


@pytest.mark.parametrize("name,method", _params(WRONG_METHODS, WRONG_METHOD_GAPS))
def test_the_wrong_method_is_405_with_the_chinese_page(campus, name, method):
    view = TABLE[name]
    kwargs, data = view.setup(campus)
    response = _send(_client(campus, view.allowed), method, reverse(name, kwargs=kwargs), data)
    assert response.status_code == 405, (name, method, response.status_code)
    assert "POST" in response["Allow"]
    assert "无法直接打开" in response.content.decode(), "the Chinese 405 page, not a blank answer"


@pytest.mark.parametrize(
    "name,who", _params([(n, who) for n, v in TABLE.items() for who in v.refused], GAPS)
)
def test_someone_outside_the_scope_is_refused_and_nothing_changes(campus, name, who):
    view = TABLE[name]
    kwargs, data = view.setup(campus)
    before = snapshot()
    response = _send(_client(campus, who), "POST", reverse(name, kwargs=kwargs), data)
    assert response.status_code in view.refused_with, (name, who, response.status_code)
    assert changed(before) == {}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_same_post_by_someone_allowed_succeeds(campus, name):
    """The control for the refusals: the data is valid, the person is what is refused."""
    view = TABLE[name]
    kwargs, data = view.setup(campus)
    before = snapshot()
    response = _send(_client(campus, view.allowed), "POST", reverse(name, kwargs=kwargs), data)
    assert response.status_code in (200, 302), (name, response.status_code, response.content[:999])
    if view.writes:
        assert changed(before), f"{name}: a successful POST wrote nothing"
        assert "audit.Event" in changed(before), f"{name}: wrote without a timeline event"
    else:
        assert changed(before) == {}


def test_notification_rules_change_only_the_posters_own(campus):
    view = TABLE["notify_rules"]
    _kwargs, data = view.setup(campus)
    _client(campus, "zhang").post(reverse("notify_rules"), {"channel_0": "wecom", "wait_0": "0"})
    zhangs = rules_of(campus.zhang)
    response = _client(campus, "zhao").post(reverse("notify_rules"), data)
    assert response.status_code == 302
    assert rules_of(campus.zhang) == zhangs == [("wecom", 0)]
    assert rules_of(campus.zhao) == [("email", 0), ("sms", 5)]


def rules_of(person):
    return list(
        NotificationRule.objects.filter(person=person)
        .order_by("position")
        .values_list("channel", "wait_minutes")
    )
