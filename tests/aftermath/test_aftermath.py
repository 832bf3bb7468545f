"""Closing an incident opens its aftermath: the seed's four items with owners from posts and
due dates on the engine; overdue items reach the owner and then their leader at exact times.
A major report handled locally opens an aftermath too. Investigation evidence passes the
report upload checks or nothing is written."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.aftermath import selectors, services
from shouwang.aftermath.models import Aftermath, AftermathAttachment, AftermathItem, Review
from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents import services as incidents
from shouwang.notify.models import Delivery
from shouwang.reports.services import report_decide, report_file, report_verify

from .conftest import CLOSED, NOW

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def told(kind, about=""):
    rows = Delivery.objects.filter(message__kind=kind, message__title__contains=about)
    return sorted(set(rows.values_list("recipient__username", flat=True)))


def test_closing_opens_the_aftermath_with_the_four_kinds_owned_from_posts(campus, closed):
    aftermath = Aftermath.objects.get(incident=closed)
    items = {i.kind.code: i for i in aftermath.items.select_related("owner")}
    assert set(items) == {"victim_care", "compensation", "commendation", "scene_investigation"}
    # The victim's college cares for the family (seed 000 §4.2); the security office the scene.
    assert items["victim_care"].owner == campus.wang
    assert items["victim_care"].owner_unit == campus.c01
    assert items["scene_investigation"].owner == campus.bao
    assert items["compensation"].owner == campus.chen
    assert items["victim_care"].due_at == CLOSED + timedelta(days=3)
    kinds = set(
        Deadline.objects.filter(subject_type="aftermath.item", state="open").values_list(
            "kind", flat=True
        )
    )
    assert kinds == {"aftermath_item_remind", "aftermath_item_overdue"}
    assert Event.objects.filter(
        verb="aftermath.opened", subject_type="incidents.incident", subject_id=str(closed.pk)
    ).exists()
    assert "wang" in told("aftermath.opened")


def test_a_refused_close_opens_nothing(campus):
    incident = incidents.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=NOW
    )
    with pytest.raises(ValidationError):
        incidents.incident_close(actor=campus.chen, incident=incident, summary="完", now=CLOSED)
    assert not Aftermath.objects.exists() and not Review.objects.exists()


def test_an_overdue_item_reminds_the_owner_then_tells_their_leader_at_the_due_time(campus, closed):
    item = AftermathItem.objects.get(aftermath__incident=closed, kind__code="victim_care")
    due = item.due_at
    deadline_sweep(now=due - timedelta(days=1) - timedelta(seconds=1))
    assert told("aftermath.item_reminder", item.title) == []
    deadline_sweep(now=due - timedelta(days=1))
    assert told("aftermath.item_reminder", item.title) == ["wang"]
    deadline_sweep(now=due - timedelta(seconds=1))
    assert told("aftermath.item_overdue", item.title) == []
    deadline_sweep(now=due)
    # 王院长 heads the college; his leader is the school leader.
    assert told("aftermath.item_overdue", item.title) == ["boss", "wang"]
    item.refresh_from_db()
    assert item.overdue_at == due
    deadline_sweep(now=due + timedelta(days=2))  # once only
    assert Event.objects.filter(verb="aftermath.item_overdue", data__item=item.pk).count() == 1


def test_an_item_done_in_time_is_never_escalated(campus, closed):
    item = AftermathItem.objects.get(aftermath__incident=closed, kind__code="scene_investigation")
    with pytest.raises(ValidationError) as exc:
        services.item_update(
            actor=campus.bao, item=item, state="done", note="", now=CLOSED + timedelta(hours=1)
        )
    assert "note" in exc.value.error_dict
    services.item_update(
        actor=campus.bao,
        item=item,
        state="done",
        note="现场已移交公安",
        now=CLOSED + timedelta(hours=1),
    )
    deadline_sweep(now=item.due_at + timedelta(days=1))
    assert not Event.objects.filter(verb="aftermath.item_overdue", data__item=item.pk).exists()
    with pytest.raises(ValidationError):
        services.item_update(
            actor=campus.bao, item=item, state="open", now=CLOSED + timedelta(hours=2)
        )


def test_only_the_owner_or_the_command_group_update_an_item(campus, closed):
    item = AftermathItem.objects.get(aftermath__incident=closed, kind__code="victim_care")
    with pytest.raises(PermissionDenied):
        services.item_update(actor=campus.zhao, item=item, state="in_progress", now=CLOSED)
    assert AftermathItem.objects.get(pk=item.pk).state == "open"
    services.item_update(
        actor=campus.wang, item=item, state="in_progress", note="已联系家长", now=CLOSED
    )


def test_investigation_evidence_must_pass_the_upload_checks(campus, closed):
    aftermath = Aftermath.objects.get(incident=closed)
    events = Event.objects.count()
    bad = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.investigation_save(
            actor=campus.chen, aftermath=aftermath, cause="纠纷", attachments=[bad], now=CLOSED
        )
    assert "照片.jpg" in str(exc.value)
    aftermath.refresh_from_db()
    assert (
        aftermath.cause == ""
        and not AftermathAttachment.objects.exists()
        and Event.objects.count() == events
    )
    good = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    services.investigation_save(
        actor=campus.chen,
        aftermath=aftermath,
        cause="纠纷",
        process="经过",
        consequences="一人轻伤",
        attachments=[good],
        now=CLOSED,
    )
    aftermath.refresh_from_db()
    assert aftermath.cause == "纠纷" and aftermath.attachments.get().content_type == "image/png"
    with pytest.raises(PermissionDenied):
        services.investigation_save(actor=campus.zhao, aftermath=aftermath, cause="x", now=CLOSED)


def test_items_for_is_scoped(campus, closed):
    assert len(selectors.items_for(campus.chen, closed)) == 4
    assert selectors.items_for(campus.zhao, closed) == []


def _major_report(campus, severity="major"):
    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity=severity,
        unit="C01-2024-1",
        occurred_at=NOW - timedelta(minutes=20),
        place="二食堂",
        description="两名学生斗殴",
        now=NOW,
    )
    return report_verify(actor=campus.chen, report=report, verdict="true", note="属实", now=NOW)


def test_a_major_report_handled_locally_opens_an_aftermath(campus):
    report = _major_report(campus)
    report_decide(actor=campus.chen, report=report, decision="local", note="学院处理", now=NOW)
    aftermath = Aftermath.objects.get(report=report, incident__isnull=True)
    assert aftermath.items.count() == 4
    assert selectors.aftermath_get(campus.chen, aftermath.pk) == aftermath
    assert not Review.objects.exists()  # a review follows incidents (their plan's office owns it)


def test_a_general_report_handled_locally_opens_none(campus):
    report = _major_report(campus, "general")
    report_decide(actor=campus.chen, report=report, decision="local", now=NOW)
    assert not Aftermath.objects.exists()
