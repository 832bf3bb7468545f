"""The demo school shows the care ledger on the first start: files in every tier, open and
overdue tier tasks, a supervision gap, a key-student list waiting for 保卫处."""

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.care.models import CareFile, KeyList, Task, Tier
from shouwang.demo.school import build_demo


def test_the_demo_has_care_files_in_every_tier_and_a_key_list(db):
    build_demo(students=200, seed=7)
    assert set(CareFile.objects.values_list("tier", flat=True)) == set(Tier.values)
    now = timezone.now()
    open_tasks = Task.objects.filter(done_at__isnull=True, cancelled_at__isnull=True)
    assert open_tasks.filter(due_at__lt=now).exists() and open_tasks.filter(due_at__gt=now).exists()
    key_list = KeyList.objects.get()
    assert key_list.count >= 2 and key_list.receiver.username == "bwc"
    c = Client()
    c.force_login(User.objects.get(username="counsellor1"))
    home = c.get(reverse("care_home"))
    assert home.status_code == 200
    disorder = CareFile.objects.get(tier="disorder")
    page = c.get(reverse("care_file", args=[disorder.pk]))
    assert page.status_code == 200 and 'id="gaps"' in page.content.decode()
    # 学生处 has the 休学 request waiting on its page.
    xsc = Client()
    xsc.force_login(User.objects.get(username="xsc"))
    requests = xsc.get(reverse("care_status_requests")).content.decode()
    assert disorder.student.name in requests and 'id="request-' in requests
