"""Smaller probe findings: a right-to-left override in an attachment's name, robot and webhook
addresses (which carry their keys) shown in full in the admin."""

from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.notify.models import BotEndpoint, WebhookEndpoint
from tests.reports.conftest import PNG, login
from tests.reports.test_filing_page import form

RLO = "\u202e"
KEY = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def test_bidi_controls_are_stripped_from_an_attachment_name(school):
    upload = SimpleUploadedFile(f"invoice{RLO}gnp.exe", PNG, content_type="image/png")
    response = login(school.liu).post("/reports/new/", form(attachments=upload))
    assert response.status_code == 302
    report_id = int(response["Location"].strip("/").split("/")[-1])
    page = login(school.liu).get(f"/reports/{report_id}/").content.decode()
    assert RLO not in page and "invoicegnp.exe" in page
    attachment = login(school.admin).get(f"/api/v1/reports/{report_id}").json()["attachments"][0]
    assert attachment["name"] == "invoicegnp.exe"
    download = login(school.liu).get(f"/reports/{report_id}/attachments/{attachment['id']}/")
    assert (
        RLO not in download["Content-Disposition"]
        and "%E2%80%AE" not in download["Content-Disposition"]
    )


def test_the_admin_masks_robot_and_webhook_addresses(school):
    bot = BotEndpoint.objects.create(
        unit=school.c01,
        kind="wecom",
        name="学院群",
        url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
    )
    hook = WebhookEndpoint.objects.create(
        name="值班屏", url=f"https://duty.example.edu.cn/hook/{KEY}", secret="s" * 32
    )
    admin = login(school.admin)
    for url in (
        "/admin/notify/botendpoint/",
        f"/admin/notify/botendpoint/{bot.pk}/change/",
        "/admin/notify/webhookendpoint/",
        f"/admin/notify/webhookendpoint/{hook.pk}/change/",
    ):
        page = admin.get(url).content.decode()
        assert KEY not in page and "0a1…" in page, url


def test_saving_a_robot_without_retyping_its_address_keeps_it(school):
    bot = BotEndpoint.objects.create(
        unit=school.c01,
        kind="wecom",
        name="学院群",
        url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}",
    )
    response = login(school.admin).post(
        f"/admin/notify/botendpoint/{bot.pk}/change/",
        {
            "unit": school.c01.pk,
            "kind": "wecom",
            "name": "学院群（改名）",
            "url": "",
            "secret": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    bot.refresh_from_db()
    assert bot.name == "学院群（改名）" and bot.url.endswith(KEY)


def test_a_name_that_reaches_the_service_with_an_override_is_stored_without_it(school, file_report):
    """The test client's multipart already drops U+202E; a client that sends it (or an import)
    must not."""
    from shouwang.reports.services import report_update_add

    report = file_report()
    upload = SimpleUploadedFile(f"invoice{RLO}gnp.exe", PNG, content_type="image/png")
    update = report_update_add(actor=school.admin, report=report, text="附件", attachments=[upload])
    assert update.attachments.get().original_name == "invoicegnp.exe"
