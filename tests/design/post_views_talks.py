"""POST views of talks and handovers (rows merged into test_post_views.TABLE)."""

import datetime

from django.utils import timezone


def _record(w):
    data = {
        "kind": "talk",
        "held_on": timezone.localdate().isoformat(),
        "mode": "face",
        "summary": "谈了作息",
    }
    return {"student_no": "2024010101"}, data


def _ask_guardian(w):
    return {"student_no": "2024010101"}, {}


def _semester(w):
    return {}, {"name": "2027春季学期", "start": "2027-02-20", "end": "2027-07-10"}


def _guardian_link(w):
    from shouwang.talks.services import guardian_verification_send

    link = guardian_verification_send(actor=w.zhang, student=w.zhangsan)
    return {"token": link.pending_url.rstrip("/").rsplit("/", 1)[1]}, {}


def _handover(w):
    """张老师's counsellor post of 计科2024-1班 ends; 赵老师 takes the class over."""
    from shouwang.handovers.models import Handover
    from shouwang.org.models import Post, Role
    from shouwang.org.services import post_assign, post_end

    counsellor = Role.objects.get(code="counsellor")
    today = timezone.localdate()
    post_end(
        actor=w.chen,
        post=Post.objects.get(person=w.zhang, role=counsellor),
        until=today - datetime.timedelta(days=1),
    )
    post_assign(actor=w.chen, person=w.zhao, unit=w.class_a, role=counsellor, since=today)
    return Handover.objects.get()


def _to_acknowledge(w):
    return {"pk": _handover(w).pk}, {}


def _to_note(w):
    return {"pk": _handover(w).pk}, {"note": "张三需多关注作息"}


def _settings(w):
    return {}, {"shared_days": "5"}


def rows(PostView, POST_ONLY, FORM_PAGE):
    return {
        "talks_student": PostView(
            setup=_record, allowed="zhang", wrong=FORM_PAGE, refused=("zhao", "liu")
        ),
        "talks_guardian_send": PostView(
            setup=_ask_guardian, allowed="zhang", wrong=POST_ONLY, refused=("zhao", "liu")
        ),
        "talks_semesters": PostView(
            setup=_semester, allowed="chen", wrong=FORM_PAGE, refused=("zhang",)
        ),
        "talks_guardian_confirm": PostView(
            setup=_guardian_link,
            allowed=None,
            wrong=FORM_PAGE,
            nobody_refused_because="the one-time secret in the SMS is the credential, whoever "
            "holds it (used, expired, forged: tests/talks/test_guardian.py)",
        ),
        "handover_ack": PostView(
            setup=_to_acknowledge, allowed="zhao", wrong=POST_ONLY, refused=("zhang", "sun")
        ),
        "handover_note": PostView(
            setup=_to_note, allowed="zhang", wrong=POST_ONLY, refused=("zhao", "sun")
        ),
        "handover_settings": PostView(
            setup=_settings, allowed="chen", wrong=FORM_PAGE, refused=("zhang",)
        ),
    }
