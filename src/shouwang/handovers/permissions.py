"""Who acknowledges (the new holder only), who writes the note (the old holder), who sets the
shared period (学生处)."""

from shouwang.org.permissions import can_manage_org


def can_acknowledge(user, handover) -> bool:
    return getattr(user, "pk", None) is not None and user.pk == handover.to_person_id


def can_write_note(user, handover) -> bool:
    return getattr(user, "pk", None) is not None and user.pk == handover.from_person_id


def can_set_shared_period(user) -> bool:
    return getattr(user, "pk", None) is not None and can_manage_org(user)
