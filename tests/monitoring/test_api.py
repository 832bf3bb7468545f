"""The API: trace batches all or nothing (the bad event named by its index), check-ins,
tonight's summary and the rules, with token permissions."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.api.services import token_create
from shouwang.audit.models import Event
from shouwang.monitoring.models import CardNumber, CheckIn, Trace

pytestmark = pytest.mark.django_db


def bearer(campus, perms=("monitoring.write", "monitoring.read")):
    _token, raw = token_create(
        actor=None, name="门禁系统", unit=campus.sch, permissions=list(perms)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(headers, path, body):
    return Client().post(path, body, content_type="application/json", **headers)


def test_a_batch_of_traces_is_stored_with_one_event(campus):
    CardNumber.objects.create(card_no="C-0001", student=campus.lisi)
    now = timezone.now()
    events = [
        {
            "student_no": "2024010101",
            "at": (now - datetime.timedelta(minutes=i)).isoformat(),
            "place": "东门",
            "direction": "in",
        }
        for i in range(50)
    ] + [{"card_no": "C-0001", "at": now.isoformat(), "source_type": "card", "place": "食堂"}]
    headers = bearer(campus)
    before = Event.objects.count()
    answer = post(headers, "/api/v1/traces", {"source": "海康门禁", "events": events})
    assert answer.status_code == 201, answer.content
    assert answer.json()["count"] == 51 == Trace.objects.count()
    assert Event.objects.filter(verb="monitoring.traces_received").count() == 1
    assert Event.objects.count() - before == 1  # one batch event (the check-in is not an event)
    assert CheckIn.objects.get(student=campus.zhangsan).status == "present"


def test_one_bad_event_refuses_the_whole_batch_naming_its_index(campus):
    now = timezone.now().isoformat()
    events = [
        {"student_no": "2024010101", "at": now},
        {"student_no": "0000000000", "at": now},
        {"student_no": "2024010201", "at": now},
    ]
    answer = post(bearer(campus), "/api/v1/traces", {"events": events})
    assert answer.status_code == 422
    assert answer.json()["detail"]["events"][0].startswith("#1:")
    bad_time = post(bearer(campus), "/api/v1/traces", {"events": [{"student_no": "1", "at": "x"}]})
    assert bad_time.status_code == 422
    assert Trace.objects.count() == 0


def test_a_token_without_the_permission_is_refused(campus):
    answer = post(bearer(campus, ("reports.write",)), "/api/v1/traces", {"events": []})
    assert answer.status_code == 403


def test_checkins_and_tonights_summary(campus):
    now = timezone.now().isoformat()
    headers = bearer(campus)
    answer = post(
        headers,
        "/api/v1/checkins",
        {
            "checkins": [
                {"student_no": "2024010101", "at": now, "status": "present"},
                {"student_no": "2024010201", "at": now, "status": "absent"},
            ]
        },
    )
    assert answer.status_code == 201, answer.content
    summary = Client().get("/api/v1/checkins/tonight", **headers).json()
    assert summary["present"] == 1 and summary["residents"] == 4
    assert Client().get("/api/v1/monitoring/rules", **headers).status_code == 200


def test_the_campus_card_system_sends_which_card_is_whose(campus):
    headers = bearer(campus)
    cards = [
        {"card_no": "C-1001", "student_no": "2024010101"},
        {"card_no": "C-1002", "student_no": "2024010201"},
    ]
    answer = post(headers, "/api/v1/monitoring/cards", {"cards": cards})
    assert answer.status_code == 201, answer.content
    assert dict(CardNumber.objects.values_list("card_no", "student__student_no")) == {
        "C-1001": "2024010101",
        "C-1002": "2024010201",
    }
    assert Event.objects.filter(verb="monitoring.cards_mapped").count() == 1
    # A trace with only the card number now finds the student.
    now = timezone.now().isoformat()
    batch = {"events": [{"card_no": "C-1002", "at": now, "source_type": "card"}]}
    assert post(headers, "/api/v1/traces", batch).status_code == 201
    assert Trace.objects.get().student == campus.lisi


@pytest.mark.parametrize(
    "cards",
    [
        [{"card_no": "C-1", "student_no": "0000000000"}],  # unknown 学号
        [
            {"card_no": "C-1", "student_no": "2024010101"},
            {"card_no": "C-1", "student_no": "2024010201"},
        ],  # one card twice
        [],
    ],
)
def test_a_bad_card_list_changes_nothing(campus, cards):
    answer = post(bearer(campus), "/api/v1/monitoring/cards", {"cards": cards})
    assert answer.status_code == 422
    assert not CardNumber.objects.exists()
    one = {"cards": [{"card_no": "C-9", "student_no": "2024010101"}]}
    refused = post(bearer(campus, ("monitoring.read",)), "/api/v1/monitoring/cards", one)
    assert refused.status_code in (401, 403) and not CardNumber.objects.exists()
