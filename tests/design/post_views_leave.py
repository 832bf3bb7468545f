"""POST views of leave and of the student's own pages (/me/, the code sign-in, the office's
student-accounts button). The set-ups give 张三 and 李四 accounts (w.student, w.student2)."""

import datetime

from django.utils import timezone

from shouwang.leave.services import leave_apply, leave_decide
from shouwang.org.services import student_accounts_create
from tests.conftest import PASSWORD


def _accounts(w):
    student_accounts_create(actor=w.admin, password=PASSWORD)
    w.zhangsan.refresh_from_db()
    w.lisi.refresh_from_db()
    w.student, w.student2 = w.zhangsan.user, w.lisi.user


def _leave(w, *, approved=False):
    _accounts(w)
    now = timezone.now()
    leave = leave_apply(
        actor=w.student,
        start_at=now + datetime.timedelta(hours=2),
        end_at=now + datetime.timedelta(hours=10),
        reason="看病",
        destination="市医院",
        emergency_name="张父",
        emergency_phone="13900000001",
        now=now,
    )
    if approved:
        leave = leave_decide(actor=w.zhang, leave=leave, verdict="approved", now=now)
    return leave


def _form(w):
    _accounts(w)
    start = timezone.localtime() + datetime.timedelta(days=1)
    return {}, {
        "kind": "leave",
        "start_at": start.strftime("%Y-%m-%dT%H:%M"),
        "end_at": (start + datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "看病",
        "destination": "市医院",
        "emergency_name": "张父",
        "emergency_phone": "13900000001",
    }


def _password(w):
    _accounts(w)
    return {}, {"password": "Xue-sheng-2026!", "password2": "Xue-sheng-2026!"}


def _code(w):
    _accounts(w)
    return {}, {"student_no": "2024010101"}


def rows(PostView, POST_ONLY, FORM_PAGE):
    return {
        "leave_decide": PostView(
            setup=lambda w: ({"pk": _leave(w).pk}, {"verdict": "approved"}),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "liu", "student"),
        ),
        "leave_return": PostView(
            setup=lambda w: ({"pk": _leave(w, approved=True).pk}, {}),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "liu", "student"),
        ),
        "me_leave_new": PostView(
            setup=_form, allowed="student", wrong=FORM_PAGE, refused=("zhang", "liu")
        ),
        "me_leave_cancel": PostView(
            setup=lambda w: ({"pk": _leave(w).pk}, {}),
            allowed="student",
            wrong=POST_ONLY,
            refused=("student2", "zhang"),
        ),
        "me_password": PostView(
            setup=_password, allowed="student", wrong=FORM_PAGE, refused=("zhang",)
        ),
        "code_login": PostView(
            setup=_code,
            allowed=None,
            wrong=FORM_PAGE,
            nobody_refused_because="signing in: anyone may ask, the answer is the same for "
            "any student number",
        ),
        "student_accounts": PostView(
            setup=lambda w: ({}, {}), allowed="chen", wrong=POST_ONLY, refused=("zhang", "liu")
        ),
    }
