"""Every read of handovers, scoped: the two holders see theirs, the org managers all; and the
old holder's shared read access (care consults former_holder_class_ids)."""

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from shouwang.org.permissions import can_manage_org

from . import hooks
from .models import Handover
from .services import shared_days


def handovers_visible(viewer):
    if getattr(viewer, "pk", None) is None or not viewer.is_authenticated:
        return Handover.objects.none()
    rows = Handover.objects.select_related("unit", "role", "from_person", "to_person")
    if can_manage_org(viewer):
        return rows
    return rows.filter(Q(from_person=viewer) | Q(to_person=viewer))


def handover_get(viewer, pk) -> Handover:
    handover = handovers_visible(viewer).filter(pk=pk).first()
    if handover is None:
        raise Http404
    return handover


def moved_lines(handover) -> list[tuple[str, int]]:
    """What else moved with the classes (care files, their tasks …), labelled by the apps."""
    return hooks.moved_lines(handover.moved or {})


def pending_for(viewer):
    return handovers_visible(viewer).filter(to_person=viewer, state=Handover.State.PENDING)


def former_holder_class_ids(*, user, now=None) -> set[int]:
    """Class unit ids whose counsellor / class-teacher post `user` left within the shared
    period: read access for questions until `shared_days` after the post's last day."""
    if getattr(user, "pk", None) is None:
        return set()
    today = timezone.localdate(now)
    since = today - datetime.timedelta(days=shared_days())
    return set(
        Handover.classes.through.objects.filter(
            handover__from_person_id=user.pk, handover__old_until__gte=since
        ).values_list("unit_id", flat=True)
    )
