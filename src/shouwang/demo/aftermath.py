"""Demo data for the aftermath (issue 15 items 1-3): a 群体斗殴 incident in the first college's
first class, activated and closed three days before `today`, so the new user finds its
aftermath (the four items: one done, one overdue and escalated, two open), its 复盘 review in
progress (some sections edited, two still empty, due in four days), and corrective actions in
every colour of 三色督办 (green, yellow, orange, red) plus one awaiting inspection and one
accepted. Everything goes through the services with a fixed clock relative to `today`, and
the due colours are set by the engine's own sweep at that clock."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.aftermath import services as aftermath
from shouwang.aftermath.models import Review
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents import services as incidents
from shouwang.org.models import Post, Unit
from shouwang.plans.models import Plan

PLAN = "group_fight"


def _at(today, days, hour, minute=0):
    return timezone.make_aware(
        datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour, minute)
        )
    )


def _holder(unit, role):
    post = (
        Post.objects.current()
        .filter(unit=unit, role__code=role)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return post.person if post else None


def add_aftermath(*, today: datetime.date) -> int | None:
    """Returns the closed incident's id (None when the plan library or the units are missing)."""
    plan = Plan.objects.filter(code=PLAN, is_active=True).first()
    klass = (
        Unit.objects.filter(kind=Unit.Kind.CLASS, code__startswith="C01-").order_by("path").first()
    )
    xsc = User.objects.filter(username="xsc").first()
    if plan is None or klass is None or xsc is None:
        return None
    college = Unit.objects.get(code="C01")
    now = _at(today, 0, 10)
    start = _at(today, -3, 21, 40)
    incident = incidents.incident_activate(
        actor=xsc,
        plan=plan,
        level="II",
        unit=klass,
        event_type="group_fight",
        title=f"{klass.name}学生在二食堂门口聚众斗殴",
        now=start,
    )
    incidents.arrival_record(
        actor=xsc, incident=incident, now=start + datetime.timedelta(minutes=12)
    )
    incidents.situation_add(
        actor=xsc,
        incident=incident,
        text="两名学生轻伤，已送校医院；现场秩序恢复。",
        injured=2,
        people_involved=7,
        place="二食堂门口",
        now=start + datetime.timedelta(minutes=40),
    )
    for n, task in enumerate(incident.tasks.filter(mandatory=True).order_by("due_at")):
        incidents.task_complete(
            actor=xsc, task=task, note="已完成", now=start + datetime.timedelta(minutes=15 + 5 * n)
        )
    closed_at = start + datetime.timedelta(hours=3)
    incidents.incident_close(
        actor=xsc,
        incident=incident,
        summary="涉事学生已分开谈话，伤者无大碍，处置完毕。",
        now=closed_at,
    )

    after = incident.aftermath
    aftermath.investigation_save(
        actor=xsc,
        aftermath=after,
        cause="两名学生因排队琐事发生口角，各自叫来同学。",
        process="21:40 发生推搡，21:45 保卫处接报，21:52 到场制止，22:30 涉事学生带离谈话。",
        consequences="两人轻伤（软组织挫伤），无住院。",
        now=closed_at + datetime.timedelta(hours=10),
    )
    items = {i.kind.code: i for i in after.items.select_related("kind", "owner")}
    if "commendation" in items:
        aftermath.item_update(
            actor=items["commendation"].owner,
            item=items["commendation"],
            state="in_progress",
            note="拟表扬两名劝架同学，材料收集中。",
            now=closed_at + datetime.timedelta(days=1),
        )
    if "victim_care" in items:
        aftermath.item_update(
            actor=items["victim_care"].owner,
            item=items["victim_care"],
            state="done",
            note="已看望伤者并与家长电话沟通，家长表示理解。",
            now=closed_at + datetime.timedelta(days=1, hours=2),
        )

    review = Review.objects.get(incident=incident)
    office = review.owner
    for key, text in (
        ("duty", ""),  # left for the reviewers: sign-off lists it
        (
            "improvement",
            "一、食堂高峰时段增派值守人员；二、辅导员每周排查班级矛盾纠纷；三、完善学生冲突快速报告机制。",
        ),
    ):
        if text:
            aftermath.review_section_save(
                actor=office,
                review=review,
                key=key,
                text=text,
                now=closed_at + datetime.timedelta(days=1, hours=3),
            )

    counsellor = _holder(klass, "counsellor")
    secretary = _holder(college, "deputy_secretary")
    bwc = Unit.objects.filter(code="BWC").first()
    guard = _holder(bwc, "security_officer") if bwc else None
    issued = closed_at + datetime.timedelta(days=1, hours=4)  # T-2 days, early morning
    elapsed = now - issued

    def issue(title, requirement, evidence, unit, owner, share_elapsed):
        # due so that `share_elapsed` of the time has passed at `now`: 0.75 → yellow, 0.9 → orange.
        return aftermath.action_issue(
            actor=office,
            source_type=aftermath.REVIEW_SOURCE,
            source_id=review.pk,
            title=title,
            requirement=requirement,
            evidence_required=evidence,
            owner_unit=unit,
            owner=owner,
            due_at=issued + elapsed / share_elapsed,
            now=issued,
        )

    made = []
    if counsellor is not None:
        made.append(
            issue(
                "班级矛盾纠纷每周排查",
                "每周排查班级学生矛盾纠纷，建立台账。",
                "排查台账照片或扫描件",
                klass,
                counsellor,
                0.75,
            )
        )  # yellow
    if secretary is not None:
        made.append(
            issue(
                "学院学生冲突快速报告机制",
                "制定学院学生冲突快速报告流程并印发。",
                "印发文件（PDF）",
                college,
                secretary,
                0.9,
            )
        )  # orange
        late = issue(
            "涉事学生教育谈话",
            "完成对七名涉事学生的教育谈话并记录。",
            "谈话记录",
            college,
            secretary,
            1.5,
        )
        made.append(late)  # red once its due time passes
    if guard is not None:
        made.append(
            issue(
                "食堂高峰时段增派值守",
                "午餐、晚餐高峰时段二食堂门口增派一名保安。",
                "排班表",
                bwc,
                guard,
                0.2,
            )
        )  # green
        checked = issue("监控探头补盲", "二食堂门口增设监控探头一个。", "安装照片", bwc, guard, 0.3)
        aftermath.action_submit(
            actor=guard,
            action=checked,
            evidence_text="已于昨日安装并接入监控平台。",
            now=issued + datetime.timedelta(hours=20),
        )
    # The engine sets the colours at the demo's clock, as the worker would.
    deadline_sweep(now=now)
    return incident.pk
