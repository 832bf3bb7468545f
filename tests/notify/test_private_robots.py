"""Group robots say nothing about a student unless the unit opted in, on the timeline."""

import json

from django.test import Client

from shouwang.audit.models import Event
from shouwang.notify.models import BotEndpoint, Channel
from shouwang.notify.sweep import delivery_sweep

from .test_channels import NOW, file_for_liu, rules

PRIVATE = ("张三", "2024010101", "13800000001", "13900000001", "张父", "未归", "101室", "/ack/")


def posted(sink, path):
    body = json.loads(next(r["body"] for r in sink.requests if r["path"] == path))
    return body.get("text", {}).get("content") or body.get("content", {}).get("text")


def test_each_robot_posts_the_class_the_kind_and_a_log_in_link_only(school, sink):
    for kind in ("wecom", "dingtalk", "feishu"):
        BotEndpoint.objects.create(
            unit=school.d01, kind=kind, name=f"{kind}群", url=f"{sink.url}/{kind}"
        )
    rules(school.liu, (Channel.WECOM, 0), (Channel.DINGTALK, 0), (Channel.FEISHU, 0))
    report = file_for_liu(school)
    assert delivery_sweep(now=NOW) == 3
    for kind in ("wecom", "dingtalk", "feishu"):
        text = posted(sink, f"/{kind}")
        assert text.startswith("计科2024-1班有 1 条夜不归宿预警（一般），请在守望中查看")
        assert text.endswith(f"/reports/{report.pk}/")
        for private in PRIVATE:
            assert private not in text, (kind, private)
    # The report page the link opens needs log-in.
    response = Client().get(f"/reports/{report.pk}/")
    assert response.status_code == 302 and "/login/" in response.url


def test_a_message_about_something_else_gets_the_generic_line(school, sink):
    from django.db import transaction

    from shouwang.notify.services import message_send

    BotEndpoint.objects.create(unit=school.d01, kind="wecom", name="群", url=f"{sink.url}/wecom")
    rules(school.liu, (Channel.WECOM, 0))
    with transaction.atomic():
        message_send(
            subject_type="incidents.incident",
            subject_id=1,
            kind="incident.task",
            title="张三 的事件",
            body="张三",
            url="/incidents/1/",
            recipients=[school.liu],
            now=NOW,
        )
    delivery_sweep(now=NOW)
    assert "张三" not in posted(sink, "/wecom") and "守望有 1 条新消息" in posted(sink, "/wecom")


def test_names_only_where_the_unit_opted_in_through_the_admin_on_the_timeline(school, sink):
    bot = BotEndpoint.objects.create(
        unit=school.d01, kind="wecom", name="楼栋群", url=f"{sink.url}/wecom"
    )
    admin = Client()
    admin.force_login(school.admin)
    form = admin.get(f"/admin/notify/botendpoint/{bot.pk}/change/").content.decode()
    assert "群内所有成员" in form  # the setting says what it does
    response = admin.post(
        f"/admin/notify/botendpoint/{bot.pk}/change/",
        {
            "unit": school.d01.pk,
            "kind": "wecom",
            "name": "楼栋群",
            "url": f"{sink.url}/wecom",
            "secret": "",
            "include_names": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(verb="bot.names_shown")
    assert event.actor == school.admin and event.data["unit"] == "D01"
    rules(school.liu, (Channel.WECOM, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    text = posted(sink, "/wecom")
    assert "张三未归" in text and "/ack/" in text
