"""Need-to-know (R-CARE-4): who reads a file, by which path, and that every read — page, API,
export, attachment — and every refused attempt is on the timeline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.api.services import token_create
from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import BreakGlass, Via
from shouwang.notify.models import Delivery

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def file(campus):
    return services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.PSYCH,
        risk_factors=["suicide_attempt"],
        note="曾有自杀未遂",
    )


def login(person):
    c = Client()
    c.force_login(person)
    return c


def reads(file, **data):
    events = Event.objects.filter(
        subject_type="care.carefile", subject_id=str(file.pk), verb="care.read"
    ).order_by("seq")
    return [e for e in events if all(e.data.get(k) == v for k, v in data.items())]


def refused(pk):
    return Event.objects.filter(
        subject_type="care.carefile", subject_id=str(pk), verb="care.read_refused"
    )


@pytest.mark.parametrize("who", ["wu", "zhou", "zhang", "sun", "admin"])
def test_need_to_know_reads_the_page(campus, file, who):
    response = login(getattr(campus, who)).get(reverse("care_file", args=[file.pk]))
    assert response.status_code == 200
    assert "自杀未遂史" in response.content.decode()  # decrypted for the reader
    [event] = reads(file)
    assert event.actor_id == getattr(campus, who).pk
    assert event.data == {"student_id": campus.zhangsan.pk, "via": "page", "why": "need"}


@pytest.mark.parametrize("who", ["qian", "zhao", "li", "wang", "chen", "zheng", "nobody", "liu"])
def test_anyone_else_gets_404_and_the_attempt_is_logged(campus, file, who):
    client = login(getattr(campus, who))
    assert client.get(reverse("care_file", args=[file.pk])).status_code == 404
    assert client.get(f"/api/v1/care/files/{file.pk}").status_code == 404
    assert client.get(reverse("care_export", args=[file.pk, "xlsx"])).status_code == 404
    assert refused(file.pk).count() == 3
    assert not reads(file)
    listed = client.get("/api/v1/care/files").json()
    assert listed == []


def test_a_missing_file_is_the_same_404(campus):
    client = login(campus.qian)
    assert client.get(reverse("care_file", args=[999999])).status_code == 404
    assert refused(999999).count() == 1


def test_api_reads_are_scoped_and_logged(campus, file):
    body = login(campus.zhang).get(f"/api/v1/care/files/{file.pk}").json()
    assert body["risk_factors"] == ["suicide_attempt"] and body["why"] == "need"
    assert len(reads(file, via="api")) == 1
    listed = login(campus.zhang).get("/api/v1/care/files").json()
    assert [r["id"] for r in listed] == [file.pk]
    assert Event.objects.filter(verb="care.list_read").count() == 1


def test_exports_carry_the_watermark_and_are_logged(campus, file):
    client = login(campus.zhang)
    xlsx = client.get(reverse("care_export", args=[file.pk, "xlsx"]))
    assert xlsx.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert "张老师" in sheet["A1"].value
    assert "张老师" in sheet.oddHeader.center.text
    pdf = client.get(reverse("care_export", args=[file.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert [e.data["via"] for e in reads(file)] == ["export_xlsx", "export_pdf"]


def test_attachments_are_encrypted_and_downloads_logged(campus, file):
    client = login(campus.zhang)
    upload = SimpleUploadedFile("handover.png", PNG, content_type="image/png")
    response = client.post(reverse("care_attachment_add", args=[file.pk]), {"upload": upload})
    assert response.status_code == 302
    attachment = file.attachments.get()
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT name, content FROM care_attachment")
        name, content = c.fetchone()
    assert name.startswith("sw1:") and content.startswith("sw1:") and "handover" not in name
    got = client.get(reverse("care_attachment", args=[file.pk, attachment.pk]))
    assert got.status_code == 200 and got.content == PNG
    assert reads(file, via="attachment")[0].data["attachment_id"] == attachment.pk
    other = login(campus.qian).get(reverse("care_attachment", args=[file.pk, attachment.pk]))
    assert other.status_code == 404


def test_a_leader_reads_only_by_an_unexpired_grant(campus, file):
    now = timezone.now()
    client = login(campus.li)
    assert client.get(reverse("care_file", args=[file.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.care_grant_create(
            actor=campus.zhang, file=file, grantee=campus.li, days=3, reason="复核"
        )
    grant = services.care_grant_create(
        actor=campus.zhou, file=file, grantee=campus.li, days=3, reason="学院复核", now=now
    )
    assert client.get(reverse("care_file", args=[file.pk])).status_code == 200
    assert reads(file)[-1].data["why"] == "grant"
    from shouwang.care import permissions

    later = now + datetime.timedelta(days=3, minutes=1)
    assert permissions.access_reason(campus.li, file, later) is None
    services.care_grant_revoke(actor=campus.zhou, grant=grant)
    assert client.get(reverse("care_file", args=[file.pk])).status_code == 404


def test_break_glass_needs_a_reason_tells_the_head_and_is_reviewed(campus, file):
    client = login(campus.zheng)  # 保卫处: school-wide
    url = reverse("care_break_glass_open")
    empty = client.post(url, {"student_no": "2024010101", "reason": "  "})
    assert empty.status_code == 400 and not BreakGlass.objects.exists()
    assert client.get(reverse("care_file", args=[file.pk])).status_code == 404
    done = client.post(url, {"student_no": "2024010101", "reason": "学生在楼顶，需要联系家长"})
    assert done.status_code == 302
    page = client.get(reverse("care_file", args=[file.pk]))
    assert page.status_code == 200
    assert reads(file)[-1].data["why"] == "break_glass"
    assert Delivery.objects.filter(recipient=campus.zhou, message__kind="care.break_glass").exists()
    # A counsellor is no school-wide role: no glass to break.
    assert (
        login(campus.qian).post(url, {"student_no": "2024020101", "reason": "x"}).status_code == 404
    )
    review = login(campus.zhou)
    listing = review.get(reverse("care_break_glass_list"))
    assert "学生在楼顶" in listing.content.decode()
    glass = BreakGlass.objects.get()
    assert (
        review.post(
            reverse("care_break_glass_review", args=[glass.pk]), {"note": "合理"}
        ).status_code
        == 302
    )
    glass.refresh_from_db()
    assert glass.reviewed_by == campus.zhou
    assert login(campus.zhang).get(reverse("care_break_glass_list")).status_code == 404
    # The event names the opening, never the reason.
    event = Event.objects.get(verb="care.break_glass")
    assert "楼顶" not in str(event.data)


def test_tokens_read_nothing_without_care_read(campus, file):
    _t, raw = token_create(actor=None, name="门禁", unit=campus.sch, permissions=["students.read"])
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/v1/care/files/{file.pk}", **auth).status_code == 404
    assert client.get("/api/v1/care/files", **auth).json() == []
    _t2, raw2 = token_create(
        actor=None, name="心理系统", unit=campus.sch, permissions=["care.read"]
    )
    auth2 = {"HTTP_AUTHORIZATION": f"Bearer {raw2}"}
    assert client.get(f"/api/v1/care/files/{file.pk}", **auth2).status_code == 200
    assert reads(file)[-1].data["why"] == "token"
    tier = client.post(
        f"/api/v1/care/files/{file.pk}/tier",
        {"tier": "severe"},
        content_type="application/json",
        **auth2,
    )
    assert tier.status_code == 403


def test_events_never_carry_content(campus, file):
    services.care_note_add(actor=campus.zhang, file=file, text="家庭矛盾严重")
    services.care_diagnosis_set(actor=campus.wu, file=file, diagnosis="抑郁症")
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", reason="自伤倾向")
    text = str(list(Event.objects.filter(verb__startswith="care.").values_list("data", flat=True)))
    for secret in ("家庭矛盾", "抑郁症", "自伤倾向", "suicide_attempt", "曾有自杀"):
        assert secret not in text


def test_the_grants_overview_is_the_psych_centres(campus, file):
    services.care_grant_create(
        actor=campus.zhou, file=file, grantee=campus.li, days=3, reason="复核"
    )
    assert "李书记" in login(campus.wu).get(reverse("care_grants")).content.decode()
    assert login(campus.zhang).get(reverse("care_grants")).status_code == 404
