"""The incident board as people use it: deadlines with their date, posts in words, only the
actions the viewer may take, and a refused form shown again with its error and what was typed."""

import datetime
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override

from shouwang.incidents import services
from shouwang.incidents.models import Decision, SituationUpdate
from shouwang.incidents.templatetags.incident_board import clock
from shouwang.org.models import Post

from .conftest import NOW

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def activate(c, level="II", **kw):
    return services.incident_activate(
        actor=c.chen, plan=c.plan, level=level, unit=c.class_a, now=NOW, **kw
    )


def zh(msgid):
    with override("zh-hans"):
        return gettext(msgid)


# ---- 1. deadlines show their date when it is not today ------------------------------------------


def test_a_board_time_shows_the_date_unless_it_is_today():
    local = timezone.get_current_timezone()
    now = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=local)
    assert clock(datetime.datetime(2026, 12, 1, 18, 26, tzinfo=local), now) == "18:26"
    assert clock(datetime.datetime(2026, 12, 4, 18, 26, tzinfo=local), now) == "12-04 18:26"
    assert clock(datetime.datetime(2027, 1, 2, 8, 5, tzinfo=local), now) == "2027-01-02 08:05"
    # In local time: 10:26 UTC is 18:26 in Shanghai, the same day.
    assert clock(datetime.datetime(2026, 12, 1, 10, 26, tzinfo=datetime.UTC), now) == "18:26"


def test_a_task_due_in_three_days_shows_its_date_on_the_board(campus):
    incident = activate(campus)
    due = timezone.now() + timedelta(days=3)
    incident.tasks.filter(step_id="investigate").update(due_at=due)
    page = client_for(campus.chen).get(f"/incidents/{incident.pk}/live/").content.decode()
    assert timezone.localtime(due).strftime("%m-%d %H:%M") in page


# ---- 4. posts in words, not codes ----------------------------------------------------------------


def test_stand_ins_name_the_post_in_words(campus):
    Post.objects.filter(person__in=[campus.li, campus.bao]).delete()
    incident = activate(campus)
    assert (
        incident.tasks.get(step_id="investigate").stands_in_for == "deputy_secretary@college"
    )  # the record
    page = client_for(campus.chen).get(f"/incidents/{incident.pk}/").content.decode()
    assert (
        "deputy_secretary" not in page
        and "security_officer" not in page
        and "@" not in page.split("<main>")[1]
    )
    assert "分管学生工作副书记" in page and "学院" in page  # the vacant college post
    assert "保卫处工作人员" in page  # the vacant group seat


def test_the_plan_page_names_the_command_group_posts_in_words(campus):
    page = client_for(campus.chen).get("/plans/test_drill/").content.decode()
    group = page.split(zh("Command group"))[1].split("</dd>")[0]
    assert "school_leader" not in group and "office:" not in group and "@" not in group
    assert "校领导" in group and "学校" in group and "负责人" in group and "学生处" in group


# ---- 5. only the actions the viewer may take -----------------------------------------------------


def test_only_those_who_may_activate_are_offered_activation(campus):
    for user in (campus.zhang, campus.sun, campus.liu):  # counsellor, class teacher, dorm head
        c = client_for(user)
        assert 'id="activate-plan"' not in c.get("/incidents/").content.decode(), user.username
        assert 'id="activate-plan"' not in c.get("/plans/test_drill/").content.decode(), (
            user.username
        )
        refused = c.get("/incidents/new/?plan=test_drill")
        assert refused.status_code == 403 and 'id="may-not-activate"' in refused.content.decode()
        assert 'id="activate-button"' not in refused.content.decode()
    chen = client_for(campus.chen)
    assert 'id="activate-plan"' in chen.get("/incidents/").content.decode()
    assert 'id="activate-plan"' in chen.get("/plans/test_drill/").content.decode()
    assert 'id="activate-button"' in chen.get("/incidents/new/?plan=test_drill").content.decode()


def test_decision_points_are_offered_only_to_who_may_record_them(campus):
    incident = activate(campus)
    head = client_for(campus.boss).get(f"/incidents/{incident.pk}/").content.decode()
    assert 'value="backup_paper"' in head and 'value="police"' in head
    deputy = client_for(campus.chen).get(f"/incidents/{incident.pk}/").content.decode()  # 副组长
    assert 'value="backup_paper"' not in deputy and 'value="police"' in deputy
    assert "启用备用试题重新印制" not in deputy
    owner = (
        client_for(campus.zhang).get(f"/incidents/{incident.pk}/").content.decode()
    )  # a task, no seat
    assert 'id="decide-form"' not in owner
    # The decisions recorded still show to everyone on the board.
    services.decision_record(
        actor=campus.boss,
        incident=incident,
        decision_id="police",
        option="报警",
        reason="有人受伤",
        now=NOW,
    )
    recorded = client_for(campus.zhang).get(f"/incidents/{incident.pk}/").content.decode()
    assert "有人受伤" in recorded.split('id="decisions"')[1].split("</section>")[0]


def test_publish_is_offered_only_to_the_publicity_office(campus):
    incident = activate(campus)
    services.release_draft(
        actor=campus.chen, incident=incident, title="情况通报", body="……", now=NOW
    )
    for user in (campus.zhang, campus.chen, campus.boss):
        page = client_for(user).get(f"/incidents/{incident.pk}/").content.decode()
        assert "publish-button" not in page and "情况通报" in page, user.username
    assert (
        "publish-button"
        in client_for(campus.xuan).get(f"/incidents/{incident.pk}/").content.decode()
    )


# ---- 6. a refused form keeps what was typed ------------------------------------------------------


def test_a_situation_update_with_a_negative_count_keeps_the_text(campus):
    incident = activate(campus)
    response = client_for(campus.zhang).post(
        f"/incidents/{incident.pk}/situation/",
        {
            "text": "宿舍楼前聚集约二十人",
            "people_involved": "-5",
            "trend": "人数增加",
            "place": "1号楼",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        zh("Enter a whole number from 0 to %(max)d.") % {"max": 1_000_000}
        in page.split('id="situation-form"')[1].split("</form>")[0]
    )
    assert (
        "宿舍楼前聚集约二十人</textarea>" in page
        and 'value="-5"' in page
        and 'value="人数增加"' in page
    )
    assert not SituationUpdate.objects.exists()


def test_a_refused_decision_keeps_the_choice_and_the_reason(campus):
    incident = activate(campus)
    response = client_for(campus.boss).post(
        f"/incidents/{incident.pk}/decide/",
        {"decision_id": "police", "option": "报警", "reason": "", "authority": "请示上级后"},
    )
    page = response.content.decode()
    assert response.status_code == 400 and zh("Say why.") in page
    assert '<option value="police" selected>' in page and '<option value="报警" selected>' in page
    assert 'value="请示上级后"' in page and not Decision.objects.exists()


def test_a_refused_publish_keeps_the_channel_and_stops_the_board_replacing_it(campus):
    incident = activate(campus)
    draft = services.release_draft(
        actor=campus.chen, incident=incident, title="情况通报", body="……", now=NOW
    )
    services.release_publish(actor=campus.xuan, release=draft, channel="官网", now=NOW)
    response = client_for(campus.xuan).post(
        f"/incidents/{incident.pk}/releases/{draft.pk}/publish/", {"channel": "微博"}
    )
    assert response.status_code == 400
    assert zh("This statement is already published.") in response.content.decode()
    assert (
        'hx-trigger="every 5s"'
        not in response.content.decode().split('id="board-live"')[1].split(">")[0]
    )
    # A successful action still redirects to the board, which polls again.
    ok = client_for(campus.zhang).post(f"/incidents/{incident.pk}/arrive/")
    assert ok.status_code == 302
    assert 'hx-trigger="every 5s"' in client_for(campus.zhang).get(ok["Location"]).content.decode()
