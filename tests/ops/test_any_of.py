"""`field__any_of`: the same rows as `__in`, sent as one array parameter on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shouwang.org.models import Unit


@pytest.mark.django_db
def test_any_of_finds_what_in_finds_on_keys_foreign_keys_and_text(school):
    units = list(Unit.objects.order_by("pk")[:5])
    ids = {u.pk for u in units}
    assert set(Unit.objects.filter(pk__any_of=ids).values_list("pk", flat=True)) == ids
    parents = [u.parent_id for u in units if u.parent_id]
    assert sorted(
        Unit.objects.filter(parent_id__any_of=parents).values_list("pk", flat=True)
    ) == sorted(Unit.objects.filter(parent_id__in=parents).values_list("pk", flat=True))
    codes = [u.code for u in units] + ["没有这个单位"]
    assert sorted(Unit.objects.filter(code__any_of=codes).values_list("code", flat=True)) == sorted(
        codes[:-1]
    )
    # Across a join, too.
    assert (
        Unit.objects.filter(parent__code__any_of=[school.sch.code]).count()
        == school.sch.children.count()
    )


@pytest.mark.django_db
def test_an_empty_list_matches_nothing_and_changes_nothing(school):
    assert not Unit.objects.filter(pk__any_of=[]).exists()
    assert Unit.objects.filter(pk__any_of=set()).update(name="x") == 0


@pytest.mark.django_db
def test_postgresql_gets_one_array_parameter_however_long_the_list(school):
    if connection.vendor != "postgresql":
        pytest.skip("elsewhere any_of is the usual IN")
    with CaptureQueriesContext(connection) as captured:
        list(Unit.objects.filter(pk__any_of=range(1, 2001)))
    sql = captured.captured_queries[-1]["sql"]
    assert "= ANY(" in sql and " IN (" not in sql  # one array, not 2,000 placeholders
