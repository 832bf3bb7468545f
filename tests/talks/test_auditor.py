"""The auditor's talks check: a student without this month's talk obligation, or an open
obligation without its overdue deadline, is found, and the repair puts it back once (idempotent,
through obligations_open) with an event on the record."""

import datetime
import zoneinfo

from shouwang.audit.models import Event
from shouwang.escalation.auditor import audit_warnings, route_audit
from shouwang.escalation.models import Deadline
from shouwang.talks.models import Obligation
from shouwang.talks.obligations import obligations_missing, obligations_open, obligations_repair

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SH)
LATER = NOW + datetime.timedelta(hours=1)


def test_a_deleted_obligation_and_a_lost_deadline_are_found_and_put_back(school):
    obligations_open(now=NOW)
    assert obligations_missing(now=LATER) == []
    gone = Obligation.objects.get(kind="talk", student=school.zhangsan)
    Deadline.objects.filter(subject_type="talks.obligation", subject_id=str(gone.pk)).delete()
    gone.delete()
    lost = Obligation.objects.get(kind="talk", student=school.lisi)
    Deadline.objects.filter(subject_type="talks.obligation", subject_id=str(lost.pk)).delete()
    assert sorted(obligations_missing(now=LATER)) == sorted(
        [f"student:{school.zhangsan.pk}", f"obligation:{lost.pk}"]
    )
    assert any("talk obligation" in w for w in audit_warnings())

    assert obligations_repair(now=LATER) == 2
    assert obligations_missing(now=LATER) == []
    back = Obligation.objects.get(kind="talk", student=school.zhangsan)
    assert back.period_start == datetime.date(2026, 11, 1) and back.holder == school.zhang
    for obligation in (back, lost):
        deadline = Deadline.objects.get(
            kind="talk_overdue", subject_type="talks.obligation", subject_id=str(obligation.pk)
        )
        assert deadline.state == "open"
        assert deadline.due_at == datetime.datetime(2026, 12, 1, tzinfo=SH)
    restored = Event.objects.get(verb="talks.deadlines_restored")
    assert restored.data == {"obligations": [lost.pk]}
    # Idempotent: the worker's auditor on the next tick finds and changes nothing.
    assert obligations_repair(now=LATER) == 0
    assert route_audit(now=LATER) == 0
    assert Obligation.objects.filter(kind="talk").count() == 3
