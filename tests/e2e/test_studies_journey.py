"""学业预警 in a real browser: the grades import raised an orange warning for 张三; his
counsellor opens the warnings page (phone and desktop), records the parent contact, and the
page shows it done. Selectors are by id, so the test does not depend on the catalogue."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.studies import academic
from shouwang.studies.models import AcademicWarning, Grade

pytestmark = pytest.mark.e2e


def test_the_counsellor_records_the_parent_contact(page, school, login):
    Grade.objects.create(
        student=school.zhangsan,
        term="2025-2026-1",
        course="高等数学",
        credits=Decimal(13),
        passed=False,
    )
    with transaction.atomic():
        (warning,) = academic.warnings_evaluate(
            student_ids=[school.zhangsan.pk], now=timezone.now()
        )
    login("zhang")
    page.goto("/studies/warnings/")
    card = page.locator(f"#warning-{warning.pk}")
    expect(card).to_contain_text("张三")
    card.locator("summary").click()
    page.locator(f"#date-{warning.pk}").fill(timezone.localdate().isoformat())
    page.locator(f"#mode-{warning.pk}").select_option("phone")
    page.locator(f"#summary-{warning.pk}").fill("与张父通话，告知不及格课程与重修安排")
    card.locator("button[type=submit]").click()
    expect(page.locator(f"#warning-{warning.pk}")).to_contain_text("与张父通话")
    expect(page.locator(f"#warning-{warning.pk} summary")).to_have_count(0)
    warning.refresh_from_db()
    assert warning.contact == AcademicWarning.Contact.DONE
    assert warning.contacts.get().date == timezone.localdate()
    assert warning.contact_due_at > timezone.now() - datetime.timedelta(minutes=5)
