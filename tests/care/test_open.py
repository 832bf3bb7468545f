import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import CareFile, Entry, Via


def test_screening_opens_then_updates_one_file(campus):
    f = services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.SCREENING,
        risk_factors=["self_harm"],
        screening={"UPI": 31, "flag": True},
        note="首次筛查",
    )
    again = services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.SCREENING,
        risk_factors=["self_harm", "financial"],
        screening={"UPI": 20},
    )
    assert again.pk == f.pk and CareFile.objects.count() == 1
    again.refresh_from_db()
    assert again.risk_factors == ["self_harm", "financial"]
    assert again.screening == {"UPI": 20}
    kinds = list(Entry.objects.filter(file=f).values_list("kind", flat=True))
    assert sorted(kinds) == ["note", "opened", "screening", "screening"]
    verbs = list(Event.objects.filter(subject_type="care.carefile").values_list("verb", "data"))
    assert [v for v, _ in verbs] == ["care.opened", "care.updated"]
    assert "self_harm" not in str(verbs) and "首次筛查" not in str(verbs)


def test_counsellor_opens_for_own_class_only(campus):
    services.care_file_open_or_update(
        actor=campus.zhang, student=campus.zhangsan, via=Via.COUNSELLOR
    )
    with pytest.raises(PermissionDenied):
        services.care_file_open_or_update(
            actor=campus.qian, student=campus.zhangsan, via=Via.COUNSELLOR
        )


def test_unknown_factor_refused(campus):
    with pytest.raises(ValidationError):
        services.care_file_open_or_update(
            actor=campus.wu, student=campus.zhangsan, via=Via.PSYCH, risk_factors=["nope"]
        )
    assert not CareFile.objects.exists()


def test_stored_as_ciphertext(campus):
    services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.PSYCH,
        risk_factors=["suicide_attempt"],
        note="密语",
    )
    with connection.cursor() as c:
        c.execute("SELECT risk_factors FROM care_carefile")
        assert c.fetchone()[0].startswith("sw1:")
