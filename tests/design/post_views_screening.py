"""The screening pages that accept POST (tests/design/test_post_views.py reads rows() here)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.screening import services
from shouwang.screening.models import Interview

UPI_CSV = "学号,姓名,总分\r\n2024010101,张三,30\r\n2024010102,王五,8\r\n"


def _upload():
    return SimpleUploadedFile("upi.csv", UPI_CSV.encode("utf-8-sig"), content_type="text/csv")


def _import_form(w):
    return {}, {
        "term": "2026秋季学期",
        "instrument": "upi",
        "held_on": "2026-11-20",
        "file": _upload(),
    }


def _interview(w):
    """A round imported by the admin (a superuser counts as the psych centre): 张三 flagged."""
    rnd = services.round_request(
        actor=w.admin,
        term="2026秋季学期",
        instrument="upi",
        held_on=datetime.date(2026, 11, 20),
        data=UPI_CSV.encode("utf-8-sig"),
        filename="upi.csv",
    )
    services.round_import(round_id=rnd.pk)
    interview = Interview.objects.get(round=rnd)
    return {"pk": interview.pk}, {"held_on": "2026-11-24", "outcome": "follow_up", "note": "已约谈"}


def rows(PostView, POST_ONLY, FORM_PAGE):
    return {
        "screening_import": PostView(
            setup=_import_form,
            allowed="chen",  # 学生处 imports for the school
            wrong=FORM_PAGE,
            refused=("zhang", "sun", "nobody"),
        ),
        "screening_interview": PostView(
            setup=_interview,
            allowed="admin",
            wrong=FORM_PAGE,
            refused=("chen", "zhang", "nobody"),
        ),
    }
