"""Who may do what in a hazard campaign. Reads are scoped in selectors.py; these are the rules,
each named after what it allows."""

from django.db.models import Q

from shouwang.org.models import Post, Unit

# The offices that run campaigns (学生处, 保卫处): their officers and their heads.
ISSUER_ROLES = ("student_affairs_officer", "security_officer")
ISSUER_FUNCTIONS = ("student_affairs", "security")
# Who answers for a unit, in order of preference: a college's deputy secretary for student work
# (else its head), an office's head.
RESPONSIBLE_ROLES = {
    Unit.Kind.COLLEGE: ("deputy_secretary", "leader"),
    Unit.Kind.OFFICE: ("leader",),
}
OVERSEER_ROLES = ("school_leader",)


def _active(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "pk", None) is not None
    )


def _issuer_posts(user):
    return (
        Post.objects.current()
        .filter(person=user)
        .filter(
            Q(role__code__in=ISSUER_ROLES)
            | Q(role__code="leader", unit__function__in=ISSUER_FUNCTIONS)
        )
        .select_related("unit")
    )


def issuer_units(user) -> list[Unit]:
    """The offices a person may issue campaigns for (their post's unit)."""
    if not _active(user):
        return []
    units = {p.unit_id: p.unit for p in _issuer_posts(user)}
    if user.is_superuser and not units:
        units = {
            u.pk: u for u in Unit.objects.filter(function__in=ISSUER_FUNCTIONS, is_active=True)
        }
    return sorted(units.values(), key=lambda u: u.path)


def can_issue(user) -> bool:
    return _active(user) and (user.is_superuser or _issuer_posts(user).exists())


def can_oversee(user, campaign) -> bool:
    """See the board, close the campaign: the issuer, anyone in the issuing office, the school
    leaders."""
    if not _active(user):
        return False
    if user.is_superuser or campaign.issuer_id == user.pk:
        return True
    return (
        Post.objects.current()
        .filter(person=user)
        .filter(Q(unit_id=campaign.issuer_unit_id) | Q(role__code__in=OVERSEER_ROLES))
        .exists()
    )


def responsible_for(user, assignment) -> bool:
    """Answer for a unit: a current holder of the unit's responsible post."""
    return (
        _active(user)
        and Post.objects.current()
        .filter(person=user, unit_id=assignment.unit_id, role__code=assignment.role)
        .exists()
    )
