"""Activating a 40-step plan at a 5,000-student demo school, and the live incident board of an
incident with 500 timeline events (CI smoke: --quick, 1,000 students, fewer rounds).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database).
Activation is timed through incidents.services.incident_activate (group resolved from posts,
40 tasks, 80 deadlines, notifications, events, one transaction) for classes across the school;
the baseline, measured in the same run, is filing one report through reports.services.report_file
(a single routed report, also one transaction). The board is timed as a real request through
Django's handler (GET /incidents/N/live/ for the group head); its baseline is GET /healthz.
Targets: activation p95 ≤ 200 ms; board p95 ≤ 300 ms.
"""

import argparse
import datetime
import time

from _setup import django_ready, line, percentile

ROLE_STEPS = [  # (roles, at) for steps owned by a post rather than a seat of the group
    (["counsellor"], "class"),
    (["class_teacher"], "class"),
    (["deputy_secretary"], "college"),
    (["leader"], "college"),
    (["psych_staff"], "office:psych"),
    (["security_officer"], "office:security"),
]


def forty_step_plan() -> str:
    lines = [
        "id: bench_forty",
        "title: 四十步演练预案",
        "levels:",
        "  - {code: I, name: 特别重大}",
        "  - {code: II, name: 重大}",
        "command_group:",
        "  - {position: head, title: 组长, roles: [school_leader], at: school}",
        '  - {position: deputy, title: 副组长, roles: [leader], at: "office:student_affairs"}',
        '  - {position: member, title: 成员, roles: [leader], at: "office:security"}',
        "  - {position: office, title: 办公室, roles: [student_affairs_officer], "
        'at: "office:student_affairs"}',
        "phases:",
    ]
    n = 0
    for code, title in (("initial", "先期处置"), ("onsite", "现场处置"), ("aftermath", "善后")):
        lines += [f"  - code: {code}", f"    title: {title}", "    steps:"]
        for _ in range(14 if code != "aftermath" else 12):
            n += 1
            if n % 3 == 0:
                responsible = "{position: office}" if n % 2 else "{position: member}"
            else:
                roles, at = ROLE_STEPS[n % len(ROLE_STEPS)]
                responsible = f'{{roles: [{", ".join(roles)}], at: "{at}"}}'
            lines.append(
                f"      - {{id: s{n}, title: 第{n}步, responsible: {responsible}, "
                f"due_minutes: {5 * n}}}"
            )
    assert n == 40
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--quick", action="store_true", help="1,000 students, fewer rounds (CI smoke)"
    )
    args = parser.parse_args()
    students, rounds, board_rounds = (1_000, 15, 15) if args.quick else (5_000, 100, 100)
    django_ready()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from shouwang.demo.school import build_demo
    from shouwang.incidents import services
    from shouwang.org.models import Post, Student, Unit
    from shouwang.plans.models import Plan, PlanVersion
    from shouwang.plans.services import plan_parse
    from shouwang.reports.services import report_file

    settings.ALLOWED_HOSTS = ["*"]
    build_demo(students=students, seed=1)
    now = timezone.now()
    text = forty_step_plan()
    plan = Plan.objects.create(code="bench_forty", title="四十步演练预案", created_at=now)
    PlanVersion.objects.create(
        plan=plan, number=1, yaml_text=text, document=plan_parse(text, "bench.yaml"), created_at=now
    )
    officer = Post.objects.current().filter(role__code="student_affairs_officer").first().person
    classes = list(Unit.objects.filter(kind="class").order_by("code"))

    timings = []
    for i in range(rounds):
        started = time.perf_counter()
        incident = services.incident_activate(
            actor=officer,
            plan=plan,
            level="I",
            unit=classes[i % len(classes)],
            title=f"演练 {i}",
            now=timezone.now(),
        )
        timings.append((time.perf_counter() - started) * 1000)
    assert incident.tasks.count() == 40, incident.tasks.count()

    pairs = list(
        Student.objects.filter(dorm_room__isnull=False).values_list(
            "dorm_room__code", "student_no"
        )[:rounds]
    )
    baseline = []
    occurred = timezone.now() - datetime.timedelta(minutes=5)
    for room, student_no in pairs:
        started = time.perf_counter()
        report_file(
            actor=officer,
            category="night_absence",
            severity="general",
            unit=room,
            occurred_at=occurred,
            place=room,
            description="基准",
            students=[student_no],
        )
        baseline.append((time.perf_counter() - started) * 1000)

    p95 = percentile(timings, 95)
    line("plan_activation.steps", 40, "tasks")
    line("plan_activation.p50_ms", percentile(timings, 50), "ms")
    line("plan_activation.p95_ms", p95, "ms", "≤ 200 ms")
    line("plan_activation.baseline_report_file_p95_ms", percentile(baseline, 95), "ms")
    line("plan_activation.ratio_to_one_report", p95 / percentile(baseline, 95), "×")

    # The board of an incident with 500 timeline events: situation, decisions-free updates,
    # arrivals and tasks done, as a busy night would leave it.
    head = incident.group.filter(position="head").first().person
    members = [m.person for m in incident.group.all()] + [t.assignee for t in incident.tasks.all()]
    at = timezone.now()
    for task in incident.tasks.all()[:20]:
        services.task_complete(actor=head, task=task, note="完成", now=at)
    for person in {p.pk: p for p in members}.values():
        services.arrival_record(actor=person, incident=incident, now=at)
    from shouwang.audit.models import Event

    while (
        Event.objects.filter(subject_type="incidents.incident", subject_id=str(incident.pk)).count()
        < 500
    ):
        services.situation_add(
            actor=head,
            incident=incident,
            text="现场情况更新",
            people_involved=30,
            injured=1,
            trend="平稳",
            now=at,
        )
    client = Client()
    client.force_login(head)
    url = f"/incidents/{incident.pk}/live/"
    assert client.get(url).status_code == 200
    board, health = [], []
    for _ in range(board_rounds):
        started = time.perf_counter()
        response = client.get(url)
        board.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        started = time.perf_counter()
        client.get("/healthz")
        health.append((time.perf_counter() - started) * 1000)
    line("incident_board.events", 500, "events")
    line("incident_board.p50_ms", percentile(board, 50), "ms")
    line("incident_board.p95_ms", percentile(board, 95), "ms", "≤ 300 ms")
    line("incident_board.baseline_healthz_p95_ms", percentile(health, 95), "ms")
    line(
        "incident_board.ratio_to_healthz",
        percentile(board, 95) / max(percentile(health, 95), 0.01),
        "×",
    )


if __name__ == "__main__":
    main()
