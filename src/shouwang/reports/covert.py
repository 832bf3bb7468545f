"""Whether a person files as a covert observer (隐形安全员): their reports are marked so that only
those who may know (org.permissions.sees_covert_identity: counsellors and above) see who filed."""

from shouwang.org.models import Post


def is_covert_observer(user) -> bool:
    return Post.objects.current().filter(person=user, role__code="covert_observer").exists()
