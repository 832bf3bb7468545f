"""The demo school shows a running hazard campaign: some units answered (two with problems that
became corrective actions), one answered late, the rest late and escalated by the engine."""

import pytest
from django.test import Client

from shouwang.accounts.models import User
from shouwang.aftermath.models import CorrectiveAction
from shouwang.campaigns import selectors
from shouwang.campaigns.models import Campaign
from shouwang.demo.school import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_running_campaign_with_answers_problems_and_late_units():
    build_demo(students=200, seed=7)
    campaign = Campaign.objects.get()
    assert campaign.state == "open" and campaign.items.count() == 12
    counts = selectors.board(campaign)["counts"]
    assert counts["answered"] == 4 and counts["late_answered"] == 1
    assert counts["late"] >= 2 and counts["pending"] == 0
    assert counts["problems"] == 3
    assert CorrectiveAction.objects.filter(source_type="campaigns.unit").count() == 3
    assert campaign.units.filter(overdue_at__isnull=False, answered_at__isnull=True).count() >= 2
    assert campaign.units.filter(reminded_at__isnull=False).count() >= 2
    xsc = Client()
    xsc.force_login(User.objects.get(username="xsc"))
    board = xsc.get(f"/campaigns/{campaign.pk}/")
    assert board.status_code == 200 and 'data-status="late"' in board.content.decode()
    secretary = Client()
    secretary.force_login(User.objects.get(username="c01_secretary"))
    page = secretary.get(f"/campaigns/{campaign.pk}/units/C01/").content.decode()
    assert "已转介心理健康教育中心" in page
