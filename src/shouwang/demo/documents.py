"""Demo data for documents: the demo school's closed incident with its 综合报告 already generated
(Word; the PDF and the 复盘报告 are one click away on /documents/). The incident is the one the
aftermath demo closes when that runs first (the newest closed incident); without one, a night
fight in the first counsellor's class is reported, handled through the group_fight plan and
closed here, on a fixed clock three days before `today`, through the apps' own services."""

import datetime

from django.utils import timezone

from shouwang.documents import services as documents
from shouwang.documents.models import Document
from shouwang.incidents import services as incidents
from shouwang.incidents.models import Incident
from shouwang.org.models import Post
from shouwang.plans.models import Plan
from shouwang.reports.models import Recipient
from shouwang.reports.services import report_acknowledge, report_file, report_verify


def _at(today: datetime.date, days_before: int, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(
            today - datetime.timedelta(days=days_before), datetime.time(hour, minute)
        )
    )


def _person(username):
    return (
        Post.objects.current()
        .filter(person__username=username)
        .select_related("person", "unit")
        .first()
    )


def closed_fight(today: datetime.date) -> Incident | None:
    """A 重大 dormitory fight, reported, acknowledged, verified, handled and closed."""
    plan = Plan.objects.filter(code="group_fight", is_active=True).first()
    counsellor, office, publicity = (_person(u) for u in ("counsellor1", "xsc", "xcb"))
    if plan is None or counsellor is None or office is None:
        return None
    klass = (
        Post.objects.current()
        .filter(person=counsellor.person, role__code="counsellor")
        .first()
        .unit
    )
    occurred = _at(today, 3, 21, 35)
    report = report_file(
        actor=counsellor.person,
        category="fight",
        severity="major",
        unit=klass.code,
        occurred_at=occurred,
        place="3号宿舍楼二楼走廊",
        people_count=6,
        description="两个宿舍学生因噪音纠纷发生肢体冲突，一名学生头部轻伤，双方已被劝开。",
        cause="宿舍间噪音纠纷",
        trend="情绪仍较激动",
        now=occurred + datetime.timedelta(minutes=6),
    )
    first_ack = (
        Recipient.objects.filter(report=report, purpose=Recipient.Purpose.ACK)
        .order_by("step", "pk")
        .first()
    )
    if first_ack is not None:
        report_acknowledge(
            actor=first_ack.person,
            report=report,
            channel="web",
            now=occurred + datetime.timedelta(minutes=9),
        )
    report_verify(
        actor=office.person,
        report=report,
        verdict="true",
        note="已电话核实",
        now=occurred + datetime.timedelta(minutes=15),
    )
    report.refresh_from_db()
    activated = occurred + datetime.timedelta(minutes=18)
    incident = incidents.incident_activate(
        actor=office.person,
        plan=plan,
        level="II",
        unit=klass,
        report=report,
        title=f"{klass.name}宿舍学生冲突",
        now=activated,
    )
    head = incident.group.filter(position="head").select_related("person").first()
    head = head.person if head else office.person
    minutes = lambda n: activated + datetime.timedelta(minutes=n)  # noqa: E731
    incidents.arrival_record(actor=counsellor.person, incident=incident, now=minutes(7))
    incidents.situation_add(
        actor=counsellor.person,
        incident=incident,
        text="双方学生已分开安置，伤者由校医院处理伤口",
        people_involved=6,
        injured=1,
        trend="平稳",
        place="3号宿舍楼",
        now=minutes(12),
    )
    incidents.decision_record(
        actor=office.person,
        incident=incident,
        decision_id="hospital",
        option="现场医疗救助",
        reason="校医诊断为头皮擦伤，无需送院",
        now=minutes(20),
    )
    incidents.decision_record(
        actor=head,
        incident=incident,
        decision_id="police_support",
        option="暂不请求警力支援",
        reason="冲突已平息，无持械，保卫处在场",
        now=minutes(22),
    )
    release = incidents.release_draft(
        actor=office.person,
        incident=incident,
        title="关于宿舍学生纠纷的情况说明",
        body="学校已妥善处置，受伤学生无大碍。",
        now=minutes(60),
    )
    if publicity is not None:
        incidents.release_publish(
            actor=publicity.person, release=release, channel="学校官方微博", now=minutes(75)
        )
    incidents.outbound_report_record(
        actor=office.person,
        incident=incident,
        recipient="市教育局",
        content="电话报告事件经过及处置情况",
        sent_at=minutes(40),
        now=minutes(40),
    )
    for task in incident.tasks.filter(state="open"):
        incidents.task_complete(actor=head, task=task, note="已完成", now=minutes(90))
    incidents.incident_close(
        actor=office.person,
        incident=incident,
        summary="双方学生已调解，伤者无碍，秩序恢复",
        now=minutes(180),
    )
    incident.refresh_from_db()
    return incident


def demo_documents(*, today: datetime.date) -> Document | None:
    incident = Incident.objects.filter(status=Incident.Status.CLOSED).order_by("-closed_at").first()
    if incident is None:
        incident = closed_fight(today)
    if incident is None:
        return None
    # Asked and generated now (the job's time is the real one), after the fixed-clock record.
    document = documents.document_request(
        actor=incident.closed_by or incident.activated_by,
        incident=incident,
        kind="comprehensive",
        fmt="docx",
    )
    documents.document_generate(document_id=document.pk)
    return document
