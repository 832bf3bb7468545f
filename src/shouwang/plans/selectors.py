"""Reads of plans. Plans are the institution's published procedures: every signed-in member of
staff may read them; only managers change them (services.py)."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.escalation.selectors import at_label, office_names
from shouwang.org.models import Post, Role

from .models import Plan, Resource


def plans_list(viewer):
    return Plan.objects.filter(is_active=True).prefetch_related("versions")


def plan_get(viewer, code: str) -> Plan:
    return get_object_or_404(Plan, code=code, is_active=True)


def resources_list(viewer):
    return Resource.objects.all()


class PostLabels:
    """Posts as people read them: roles [counsellor, class_teacher] at "class" → 班级辅导员/班主任,
    [leader] at "office:student_affairs" → 学生处负责人, [security_officer] at "office:security" →
    保卫处工作人员 (the role's name already says where). Role and office names are loaded once."""

    def __init__(self):
        self.roles = {r.code: r.label for r in Role.objects.all()}
        self.offices = office_names()

    def __call__(self, roles, at) -> str:
        names = [str(self.roles.get(code, code)) for code in roles]
        place = at_label(at, self.offices)
        if all(place in name for name in names):  # 保卫处工作人员 at 保卫处: the name says where
            return "/".join(names)
        return gettext("%(roles)s at %(at)s") % {"roles": "/".join(names), "at": place}

    def described(self, text: str) -> str:
        """The same for a post recorded as "counsellor/class_teacher@class" (a stand-in's post)."""
        roles, sep, at = (text or "").partition("@")
        return self(roles.split("/"), at) if sep and roles and at else text


def command_group_lines(document: dict) -> list[dict]:
    """The plan's command group, each seat with the posts that fill it in words."""
    label = PostLabels()
    return [
        {"title": seat["title"], "post": label(seat["roles"], seat["at"])}
        for seat in document.get("command_group", [])
    ]


KIND_LABELS = {"people": _("people"), "material": _("material"), "equipment": _("equipment")}


def resource_gaps(document: dict) -> list[dict]:
    """The plan's resources beside what the institution has (R-PLAN-7): people by role from
    current posts, materials and equipment from the register. gap > 0 means short."""
    needed = document.get("resources", [])
    roles = {r["role"] for r in needed if r["kind"] == "people" and r.get("role")}
    people = dict(
        Post.objects.current()
        .filter(role__code__in=roles, person__is_active=True)
        .values("role__code")
        .annotate(n=Count("person", distinct=True))
        .values_list("role__code", "n")
    )
    role_names = dict(Role.objects.filter(code__in=roles).values_list("code", "name"))
    registered = {(r.kind, r.name): r for r in Resource.objects.all()}
    rows = []
    for r in needed:
        if r["kind"] == "people":
            available = people.get(r.get("role"), 0)
            what = role_names.get(r.get("role"), r.get("role"))
        else:
            found = registered.get((r["kind"], r["name"]))
            available = found.quantity if found else 0
            what = r["name"]
        rows.append(
            {
                **r,
                "what": what,
                "kind_label": KIND_LABELS[r["kind"]],
                "available": available,
                "gap": max(0, r["quantity"] - available),
            }
        )
    return rows
