"""Who may do what in monitoring. Reads are scoped by org.scope; these are the writes."""

from shouwang.org.models import Post

# 学生处 and the school's leaders edit the rules, the vendor formats and import exports.
RULE_EDITOR_ROLES = ("student_affairs_officer", "school_leader")
# Who does a dorm round: the room's 宿舍长, the building's 宿舍楼管理员.
ROUND_ROLES = ("dorm_head", "dorm_manager")
IMPORT_ROLES = (*RULE_EDITOR_ROLES, "dorm_manager", "security_officer")


def _has_role(user, roles) -> bool:
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=roles).exists()


def can_edit_rules(user) -> bool:
    return _has_role(user, RULE_EDITOR_ROLES)


def can_import_traces(user) -> bool:
    return _has_role(user, IMPORT_ROLES)


def round_paths(user) -> list[str]:
    """The unit paths where the person does dorm rounds (rooms and buildings)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return []
    return list(
        Post.objects.current()
        .filter(
            person=user, role__code__in=ROUND_ROLES, unit__kind__in=["dorm_room", "dorm_building"]
        )
        .values_list("unit__path", flat=True)
    )
