"""The four aftermath kinds of seed 000 §4.2–4.4 (data: the office edits or adds kinds in the
admin). Owners as the seed says: the victim's college for care of victims and families; the
student affairs office for compensation and relief and for commendations; the security office
for protecting the scene and the investigation."""

from django.db import migrations

KINDS = [
    # code, name, English name, owner roles, at, due days
    (
        "victim_care",
        "受害人及家属安抚",
        "Care for victims and their families",
        ["deputy_secretary", "leader"],
        "college",
        3,
    ),
    (
        "compensation",
        "赔偿、抚恤、救济、补助",
        "Compensation, pensions, relief and subsidies",
        ["leader", "student_affairs_officer"],
        "office:student_affairs",
        14,
    ),
    (
        "commendation",
        "见义勇为报功奖励",
        "Commendations and rewards for bravery",
        ["leader", "student_affairs_officer"],
        "office:student_affairs",
        30,
    ),
    (
        "scene_investigation",
        "现场保护与事故调查",
        "Scene protection and accident investigation",
        ["leader", "security_officer"],
        "office:security",
        2,
    ),
]


def add(apps, schema_editor):
    kind = apps.get_model("aftermath", "AftermathKind")
    for n, (code, name, name_en, roles, at, days) in enumerate(KINDS):
        kind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "owner_roles": roles,
                "owner_at": at,
                "due_days": days,
                "sort_order": n,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("aftermath", "AftermathKind").objects.filter(
        code__in=[k[0] for k in KINDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("aftermath", "0001_aftermath_review_actions")]
    operations = [migrations.RunPython(add, remove)]
