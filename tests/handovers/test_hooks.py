"""handovers.hooks: an app above registers what moves with the classes; its counts land on the
handover's event, inside handover_open's transaction."""

import datetime

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.handovers import hooks
from shouwang.org.models import Post, Role
from shouwang.org.services import post_assign, post_end


def test_a_registered_function_runs_and_its_counts_are_recorded(school, monkeypatch):
    seen = []

    def moved(*, handover, class_ids, from_person, to_person, actor, now):
        seen.append((list(class_ids), from_person, to_person))
        return {"care_files": 2}

    monkeypatch.setattr(hooks, "ON_HANDOVER", [moved])
    qian = User.objects.create_user(username="qian", full_name="钱老师", staff_no="T0007")
    counsellor = Role.objects.get(code="counsellor")
    old = Post.objects.get(person=school.zhang, role=counsellor)
    post_end(actor=school.chen, post=old, until=datetime.date(2026, 11, 10))
    post_assign(
        actor=school.chen,
        person=qian,
        unit=school.class_a,
        role=counsellor,
        since=datetime.date(2026, 11, 11),
    )
    assert seen == [([school.class_a.pk], school.zhang, qian)]
    assert Event.objects.get(verb="handover.opened").data["care_files"] == 2
