"""The holdout story, at phone width: a counsellor files a 重大 fight; the college acknowledges
it, verifies it and handles it locally, so it never reaches 学生处. 学生处 runs the detector:
the accountability page flags 瞒报 with the evidence from the timeline. The counsellor explains;
the office decides (尽职免责 for the counsellor, who did report to the college). The statistics
page draws its charts with no console errors (no CSP violation) and fits the phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.accountability.models import Finding
from shouwang.audit.models import Event
from shouwang.reports.models import Report
from shouwang.reports.services import report_file

from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def phone(browser, live_server, campus, username):  # noqa: F811
    context, page = e2e.open_as(browser, live_server, username, campus.password, viewport=PHONE)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_fight_closed_locally_by_the_college_is_flagged_explained_and_decided(
    browser,
    live_server,
    campus,  # noqa: F811
):
    now = timezone.now()
    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity="major",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=10),
        place="二食堂门口",
        description="两名学生在二食堂门口打架，一人面部受伤",
        people_count=2,
        now=now,
    )

    # The college (李书记) acknowledges, verifies and handles it locally, on the phone.
    ctx, college, _errors = phone(browser, live_server, campus, "li")
    college.goto(f"/reports/{report.pk}/")
    college.locator("#ack-button").click()
    college.locator("form[action$='/verify/'] select[name=verdict]").select_option("true")
    with college.expect_navigation():
        college.locator("form[action$='/verify/'] button[type=submit]").click()
    college.locator("form[action$='/decide/'] select[name=decision]").select_option("local")
    with college.expect_navigation():
        college.locator("form[action$='/decide/'] button[type=submit]").click()
    ctx.close()
    report.refresh_from_db()
    assert (
        report.decision == Report.Decision.LOCAL and report.current_step == 3
    )  # never reached 学生处

    # 学生处 runs the detector and sees 瞒报 with the evidence.
    office_ctx, office, office_errors = phone(browser, live_server, campus, "chen")
    office.goto("/accountability/")
    office.locator("#run-detector").click()
    concealed = office.locator("#findings li[data-kind=concealed]")
    expect(concealed).to_have_count(2)  # the college that decided, the counsellor who knew
    finding = Finding.objects.get(kind="concealed", person=campus.zhang)
    decided = Event.objects.get(
        subject_type="reports.report", subject_id=str(report.pk), verb="report.decided"
    )
    office.goto(f"/accountability/findings/{finding.pk}/")
    expect(office.locator("#finding-kind")).to_contain_text("瞒报")
    expect(office.locator(f"#evidence #event-{decided.pk}")).to_contain_text("report.decided")
    expect(office.locator("#evidence li[data-verb='route.step_started']")).to_have_count(1)
    assert fits(office)

    # The counsellor explains, with the facts.
    c_ctx, counsellor, counsellor_errors = phone(browser, live_server, campus, "zhang")
    counsellor.goto("/accountability/")
    counsellor.locator(f"#findings a[href='/accountability/findings/{finding.pk}/']").click()
    counsellor.locator("#explain-text").fill("我已在五分钟内报告学院，由学院决定就地处理。")
    counsellor.locator("#explain-form button[type=submit]").click()
    expect(counsellor.locator("#explanation")).to_contain_text("我已在五分钟内报告学院")
    assert fits(counsellor)
    c_ctx.close()

    # The office decides: the counsellor did their duty.
    office.goto(f"/accountability/findings/{finding.pk}/")
    office.locator("#decide-outcome").select_option("exempted")
    office.locator("#decide-reason").fill("辅导员已按时报告学院，尽职免责；学院另行处理。")
    office.locator("#decide-form button[type=submit]").click()
    expect(office.locator("#decision")).to_contain_text("辅导员已按时报告学院")
    finding.refresh_from_db()
    assert (finding.state, finding.decided_by, finding.explained_by) == (
        "exempted",
        campus.chen,
        campus.zhang,
    )
    verbs = list(
        Event.objects.filter(
            subject_type="accountability.finding", subject_id=str(finding.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == ["finding.detected", "finding.explained", "finding.decided"]

    # The statistics page draws its charts, within the CSP, at phone width.
    office.goto("/accountability/statistics/")
    for chart in ("#chart-findings", "#chart-metrics", "#chart-load"):
        expect(office.locator(f"{chart}[data-ready='1'] canvas")).to_have_count(1)
    office.locator("#chart-load canvas").hover()  # a tooltip, drawn on the canvas
    assert fits(office)
    assert office_errors == [] and counsellor_errors == []
    office_ctx.close()
