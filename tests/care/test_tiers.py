"""Tiers (R-CARE-5): raising creates the tier's tasks as Deadlines that remind, then go overdue
to the college's deputy secretary and the psych centre's head, on a controllable clock;
lowering is the psych centre's."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import Task, Via
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.models import Incident
from shouwang.notify.models import Delivery
from tests.care.conftest import _post

H = datetime.timedelta(hours=1)
T0 = datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC)


@pytest.fixture
def file(campus):
    return services.care_file_open_or_update(
        actor=campus.zhang,
        student=campus.zhangsan,
        via=Via.COUNSELLOR,
        risk_factors=["mood_swings"],
        now=T0,
    )


def told(person, kind):
    return Delivery.objects.filter(recipient=person, message__kind=kind, channel="inapp").exists()


def test_raising_to_severe_creates_tasks_on_the_engine_that_go_overdue(campus, file):
    created = services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    assert {t.code for t in created} == {"parents_called", "referral", "guardian_handover"}
    parents = Task.objects.get(code="parents_called")
    assert parents.due_at == T0 + 24 * H
    rows = Deadline.objects.filter(subject_type="care.task", subject_id=str(parents.pk))
    assert {d.kind for d in rows} == {"care_task_remind", "care_task_overdue"}
    assert told(campus.zhang, "care.tasks") and told(campus.sun, "care.tasks")

    deadline_sweep(now=T0 + 11 * H)
    assert not told(campus.zhang, "care.task_remind")
    deadline_sweep(now=T0 + 12 * H)
    assert told(campus.zhang, "care.task_remind")
    deadline_sweep(now=T0 + 25 * H)
    parents.refresh_from_db()
    assert parents.overdue_at == T0 + 25 * H
    assert told(campus.li, "care.task_overdue")  # the college's deputy secretary
    assert told(campus.zhou, "care.task_overdue")  # the psych centre's head
    assert not told(campus.qian, "care.task_overdue")


def test_a_task_done_in_time_never_goes_overdue(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    parents = Task.objects.get(code="parents_called")
    services.care_task_complete(actor=campus.zhang, task=parents, note="家长已到校", now=T0 + H)
    deadline_sweep(now=T0 + 30 * H)
    parents.refresh_from_db()
    assert parents.done_at == T0 + H and parents.overdue_at is None
    assert not Delivery.objects.filter(
        message__kind="care.task_overdue", message__subject_id=str(parents.pk)
    ).exists()


def test_the_guardian_handover_needs_its_scan(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    handover = Task.objects.get(code="guardian_handover")
    with pytest.raises(ValidationError):
        services.care_task_complete(actor=campus.zhang, task=handover, now=T0 + H)
    scan = SimpleUploadedFile("签字.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    done = services.care_task_complete(actor=campus.zhang, task=handover, upload=scan)
    assert done.attachment.content == b"%PDF-1.4 signed"


def test_lowering_is_the_psych_centres(campus, file):
    services.care_tier_change(actor=campus.zhang, file=file, tier="severe", now=T0)
    with pytest.raises(PermissionDenied):
        services.care_tier_change(actor=campus.zhang, file=file, tier="general", now=T0 + H)
    with pytest.raises(PermissionDenied):
        services.care_tier_change(actor=campus.qian, file=file, tier="disorder", now=T0 + H)
    file.refresh_from_db()
    services.care_tier_change(actor=campus.wu, file=file, tier="none", now=T0 + H)
    assert not Task.objects.filter(done_at__isnull=True, cancelled_at__isnull=True).exists()
    assert not Deadline.objects.filter(subject_type="care.task", state="open").exists()


def test_lowering_over_http_by_a_counsellor_is_403(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="severe")
    c = Client()
    c.force_login(campus.zhang)
    response = c.post(reverse("care_tier", args=[file.pk]), {"tier": "none"})
    assert response.status_code == 403
    api = c.post(
        f"/api/v1/care/files/{file.pk}/tier", {"tier": "none"}, content_type="application/json"
    )
    assert api.status_code == 403
    file.refresh_from_db()
    assert file.tier == "severe"
    bad = c.post(
        f"/api/v1/care/files/{file.pk}/tier", {"tier": "worse"}, content_type="application/json"
    )
    assert bad.status_code == 422


def test_disorder_shows_the_supervision_gaps(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="disorder")
    now = timezone.now()
    services.care_watch_add(
        actor=campus.zhang, file=file, watcher="室友甲", starts_at=now, ends_at=now + 8 * H
    )
    from shouwang.care.selectors import supervision

    gaps = supervision(file, now)["gaps"]
    assert gaps[0][0] == now + 8 * H
    with pytest.raises(ValidationError):
        services.care_watch_add(
            actor=campus.zhang, file=file, watcher="x", starts_at=now, ends_at=now - H
        )


def test_raising_can_activate_the_crisis_plan(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", activate_plan=True)
    incident = Incident.objects.get()
    assert incident.level == "II" and incident.unit == campus.class_a
    assert "张三" not in incident.title


def test_the_auditor_restores_a_lost_task_deadline(campus, file):
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    assert services.tasks_without_deadline() == []
    parents = Task.objects.get(code="parents_called")
    Deadline.objects.filter(subject_id=str(parents.pk), kind="care_task_overdue").delete()
    assert services.tasks_without_deadline() == [parents.pk]
    assert services.tasks_repair(now=T0 + H) == 1
    assert services.tasks_without_deadline() == []
    deadline_sweep(now=T0 + 25 * H)
    parents.refresh_from_db()
    assert parents.overdue_at is not None


def test_the_deputy_secretarys_overdue_link_opens_a_list_without_the_file(campus, file):
    """The deputy secretary reads files only by a grant: the overdue message links to their
    college's list (class, task, who must act), which opens; the name and the file do not, and
    another college's deputy sees nothing of it."""
    other = User.objects.create_user(username="feng", password="x", full_name="冯书记")
    _post(other, campus.c02, "deputy_secretary")
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    deadline_sweep(now=T0 + 25 * H)
    to_deputy = Delivery.objects.get(
        recipient=campus.li, message__kind="care.task_overdue", channel="inapp"
    ).message
    assert to_deputy.url == "/care/overdue/" and "张三" not in to_deputy.body
    to_counsellor = Delivery.objects.get(
        recipient=campus.zhang, message__kind="care.task_overdue", channel="inapp"
    ).message
    assert to_counsellor.url == f"/care/files/{file.pk}/"
    deputy = Client()
    deputy.force_login(campus.li)
    page = deputy.get(reverse("care_overdue"))
    body = page.content.decode()
    assert page.status_code == 200
    assert campus.zhangsan.klass.name in body and "张老师" in body
    assert "张三" not in body and f"/care/files/{file.pk}/" not in body
    assert deputy.get(f"/care/files/{file.pk}/").status_code == 404
    assert Event.objects.filter(verb="care.list_read", data__via="overdue").exists()
    elsewhere = Client()
    elsewhere.force_login(other)
    assert campus.zhangsan.klass.name not in elsewhere.get(reverse("care_overdue")).content.decode()
