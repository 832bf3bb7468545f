"""The care ledger's POST views (issue 17): a counsellor of another class (赵老师, zhao) gets
404 on a file she has no need-to-know for; psych-centre-only forms refuse the counsellor with
403. The superuser (admin) stands in for the psych centre (the design campus has none)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.care import services
from shouwang.care.models import Task


def _file(w, tier=None):
    f = services.care_file_open_or_update(actor=w.admin, student=w.zhangsan, via="psych")
    if tier:
        services.care_tier_change(actor=w.admin, file=f, tier=tier)
    return f


def on_file(data, tier=None):
    return lambda w: ({"pk": _file(w, tier).pk}, data(w) if callable(data) else data)


def task_to_do(w):
    f = _file(w, "severe")
    task = Task.objects.get(file=f, code="parents_called")
    return {"pk": f.pk, "task_id": task.pk}, {"note": "家长已到校"}


def status_to_decide(w):
    f = _file(w, "severe")
    task = services.care_status_request(actor=w.zhang, file=f, change="suspend", reason="住院治疗")
    return {"task_id": task.pk}, {"decision": "approve"}


def grant_to_revoke(w):
    f = _file(w)
    grant = services.care_grant_create(actor=w.admin, file=f, grantee=w.li, days=3, reason="复核")
    return {"pk": f.pk, "grant_id": grant.pk}, {}


def glass_to_review(w):
    glass = services.care_break_glass(actor=w.bao, file=_file(w), reason="紧急联系家长")
    return {"glass_id": glass.pk}, {"note": "合理"}


def key_list_to_ack(w):
    _file(w, "severe")
    key_list = services.key_list_produce(
        actor=w.admin,
        term="2026-2027-1",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 20),
        receiver=w.bao,
    )
    return {"pk": key_list.pk}, {}


def _png(w):
    return {
        "upload": SimpleUploadedFile(
            "a.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="image/png"
        )
    }


def _shift(w):
    from django.utils import timezone

    start = timezone.localtime() + datetime.timedelta(hours=1)
    end = start + datetime.timedelta(hours=8)
    return {
        "watcher": "室友甲",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
    }


def rows(PostView, POST_ONLY, FORM_PAGE):
    def plain(data):
        return lambda w: ({}, data(w) if callable(data) else data)

    return {
        "care_file_new": PostView(
            plain({"student_no": "2024010101", "risk_factors": "financial", "note": "经济困难"}),
            allowed="zhang",
            wrong=FORM_PAGE,
            refused=("zhao", "li", "nobody"),
        ),
        "care_note": PostView(
            on_file({"text": "谈心谈话记录"}),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "li", "chen"),
        ),
        "care_tier": PostView(
            on_file({"tier": "severe", "reason": "情绪波动"}),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "li"),
        ),
        "care_owner": PostView(
            on_file(lambda w: {"owner": str(w.zhang.pk)}),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao",),
        ),
        "care_flag": PostView(
            on_file({"flagged": "1"}),
            allowed="admin",
            wrong=POST_ONLY,
            refused=("zhang", "zhao"),
        ),
        "care_diagnosis": PostView(
            on_file({"diagnosis": "焦虑"}),
            allowed="admin",
            wrong=POST_ONLY,
            refused=("zhang", "zhao"),
        ),
        "care_task_done": PostView(
            task_to_do,
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "li"),
        ),
        "care_status_request": PostView(
            on_file({"change": "suspend", "reason": "住院治疗"}, tier="severe"),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao", "chen"),
        ),
        "care_status_decide": PostView(
            status_to_decide,
            allowed="chen",
            wrong=POST_ONLY,
            refused=("zhang", "zhao"),
        ),
        "care_attachment_add": PostView(
            on_file(_png),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao",),
        ),
        "care_watch_add": PostView(
            on_file(_shift, tier="disorder"),
            allowed="zhang",
            wrong=POST_ONLY,
            refused=("zhao",),
        ),
        "care_grant_add": PostView(
            on_file({"grantee": "li", "days": "3", "reason": "学院复核"}),
            allowed="admin",
            wrong=POST_ONLY,
            refused=("zhang", "zhao"),
        ),
        "care_grant_revoke": PostView(
            grant_to_revoke,
            allowed="admin",
            wrong=POST_ONLY,
            refused=("zhang", "zhao"),
        ),
        "care_break_glass_open": PostView(
            lambda w: (_file(w) and {}, {"student_no": "2024010101", "reason": "紧急联系家长"}),
            allowed="bao",
            wrong=FORM_PAGE,
            refused=("zhao", "nobody"),
        ),
        "care_break_glass_review": PostView(
            glass_to_review,
            allowed="admin",
            wrong=POST_ONLY,
            refused=("zhang", "bao"),
        ),
        "care_key_lists": PostView(
            lambda w: (
                _file(w, "severe") and {},
                {
                    "term": "2026-2027-1",
                    "starts_on": "2026-09-01",
                    "ends_on": "2027-01-20",
                    "receiver": str(w.bao.pk),
                },
            ),
            allowed="admin",
            wrong=FORM_PAGE,
            refused=("zhang", "bao"),
        ),
        "care_key_list_ack": PostView(
            key_list_to_ack,
            allowed="bao",
            wrong=POST_ONLY,
            refused=("zhang", "admin"),
        ),
    }
