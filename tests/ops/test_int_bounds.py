"""An integer too large for its column is refused, never stored modulo 2**32 (PostgreSQL with
server-side binding, the web server's default: see shouwang/ops/intbounds.py)."""

import pytest
from django.db import connection
from django.utils import timezone

from shouwang.reports.models import Category, Report

PREPARED = {
    "server_side_binding": True,
    "prepare_threshold": 5,
    "options": "-c plan_cache_mode=force_custom_plan",
}


@pytest.fixture
def server_side_binding():
    if connection.vendor != "postgresql":
        pytest.skip("the wrap is psycopg's binary Int4 dumper, PostgreSQL only")
    from django.db.backends.postgresql.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {**connection.settings_dict, "OPTIONS": dict(PREPARED)}, alias="prepared"
    )
    yield wrapper
    wrapper.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("value", [4294967301, 2**32, 2**31])
def test_a_count_past_32_bits_is_refused_not_wrapped(school, server_side_binding, value):
    report = Report(
        category=Category.objects.first(),
        severity="general",
        unit=school.r101,
        occurred_at=timezone.now(),
        place="x",
        description="y",
        people_count=value,
        filed_at=timezone.now(),
    )
    with pytest.raises(OverflowError):
        with server_side_binding.cursor() as cursor:
            # What Model.save sends through this connection: the field's value as Int4.
            cursor.execute(
                "INSERT INTO reports_report (category_id, severity, unit_id, occurred_at, place, "
                "people_count, cause, trend, description, reporter_is_covert, filed_at, "
                "policy_name, route, current_step, ack_state, verification, decision) "
                "VALUES (%s, %s, %s, %s, %s, %s, "
                "'', '', %s, false, %s, '', '[]', 0, 'waiting', 'unverified', '') RETURNING id",
                [
                    report.category_id,
                    "general",
                    school.r101.pk,
                    report.occurred_at,
                    "x",
                    server_side_binding.ops.adapt_integerfield_value(value, "PositiveIntegerField"),
                    "y",
                    report.filed_at,
                ],
            )
    assert not Report.objects.filter(people_count__in=[5, 0]).exists()
