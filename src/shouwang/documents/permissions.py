"""Who may have which document. The 综合报告 goes to whoever may see the incident (the
documents are scoped like it). The 复盘报告 carries the review's 责任界定, which names people:
it is for those who write the review — the incident's command group and whoever activated it
(`aftermath.permissions.can_manage`'s rule) — and for the school offices that oversee reviews
(学生处 and the school's leaders, `REVIEW_OFFICE_ROLES`). Anyone else gets 404 for it."""

from django.db.models import Exists, OuterRef, Q

from shouwang.incidents.models import GroupMember
from shouwang.org.models import Post

from .models import Document

REVIEW_OFFICE_ROLES = ("student_affairs_officer", "school_leader")


def _person(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and getattr(user, "pk", None)
    )


def sees_every_review_report(user) -> bool:
    if not _person(user):
        return False
    return (
        user.is_superuser
        or Post.objects.current().filter(person=user, role__code__in=REVIEW_OFFICE_ROLES).exists()
    )


def review_reports_q(user) -> Q:
    """The documents of the incidents the user commands (a filter on Document)."""
    if not _person(user):
        return Q(pk__in=[])
    return Q(incident__activated_by=user) | Q(
        Exists(GroupMember.objects.filter(incident=OuterRef("incident"), person=user))
    )


def documents_q(user) -> Q:
    """Which of the documents of the incidents the user sees are the user's to have."""
    if sees_every_review_report(user):
        return Q()
    return ~Q(kind=Document.Kind.REVIEW) | review_reports_q(user)


def can_have_review_report(user, incident) -> bool:
    if sees_every_review_report(user):
        return True
    return _person(user) and (
        incident.activated_by_id == user.pk or incident.group.filter(person=user).exists()
    )
