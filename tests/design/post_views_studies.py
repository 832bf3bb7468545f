"""POST views of the studies app (attendance and grades): who may, who is refused."""

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from shouwang.studies import academic
from shouwang.studies.models import Grade


def _warning(w):
    """张三 failed 13 credits: an orange 学业预警 his counsellor 张老师 must follow up."""
    Grade.objects.create(
        student=w.zhangsan, term="2025-2026-1", course="高等数学", credits=Decimal(13), passed=False
    )
    with transaction.atomic():
        (warning,) = academic.warnings_evaluate(student_ids=[w.zhangsan.pk], now=timezone.now())
    return warning


def contact_to_record(w):
    data = {"date": timezone.localdate().isoformat(), "mode": "phone", "summary": "已电话联系张父"}
    return {"warning_id": _warning(w).pk}, data


def attendance_upload(w):
    content = "学号,日期,课程,考勤状态\n2024010101,2026-11-20,高等数学,缺勤\n".encode()
    return {}, {"kind": "attendance", "file": SimpleUploadedFile("考勤.csv", content)}


def truancy_rule_form(w):
    return {}, {
        "form": "truancy",
        "name": "两周三次",
        "absences": "3",
        "days": "14",
        "is_active": "on",
    }


def rows(PostView, POST_ONLY, FORM_PAGE):
    return {
        # sun (class teacher) sees 张三 but records no parent contact; zhao is another class's.
        "studies_contact": PostView(
            setup=contact_to_record, allowed="zhang", wrong=POST_ONLY, refused=("zhao", "sun")
        ),
        "studies_import": PostView(
            setup=attendance_upload, allowed="chen", wrong=FORM_PAGE, refused=("zhang", "li")
        ),
        # 教务处 imports grades but does not set the rules.
        "studies_rules": PostView(
            setup=truancy_rule_form, allowed="chen", wrong=FORM_PAGE, refused=("zhang", "jiao")
        ),
    }
