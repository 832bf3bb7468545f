"""The shipped limits and powers, created when missing after migrate (the office's edits stay).
Limits follow the published municipal emergency rules: 30 minutes for 特别重大 and 重大, 1 hour
for 较大, 2 hours for 一般. The level each severity must reach follows the shipped policies:
a 重大 report reaches 学生处, a 特别重大 one the school's leaders, a 较大 one the college."""

DEFAULT_LIMITS = [
    {"severity": "critical", "minutes": 30, "required_at": "school"},
    {"severity": "major", "minutes": 30, "required_at": "office:student_affairs"},
    {"severity": "larger", "minutes": 60, "required_at": "college"},
    {"severity": "general", "minutes": 120, "required_at": ""},
]

# (role code, office function): the head of 学生处, of 纪委 (discipline) and of 组织人事
# (personnel).
DEFAULT_POWERS = [("leader", "student_affairs"), ("leader", "discipline"), ("leader", "personnel")]


def sync_defaults(sender=None, using="default", **kwargs):
    from shouwang.org.models import Role

    from .models import DecisionPower, ReportingLimit

    for spec in DEFAULT_LIMITS:
        ReportingLimit.objects.using(using).get_or_create(
            category=None,
            severity=spec["severity"],
            defaults={"minutes": spec["minutes"], "required_at": spec["required_at"]},
        )
    if not DecisionPower.objects.using(using).exists():
        for code, function in DEFAULT_POWERS:
            role = Role.objects.using(using).filter(code=code).first()
            if role is not None:
                DecisionPower.objects.using(using).get_or_create(role=role, unit_function=function)
