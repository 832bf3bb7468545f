"""Writes to plans: the built-in library kept in step with the shipped files, cloning, new
versions from the YAML editor, and the resource register. Each write checks permission and
records its event in the same transaction."""

import json
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import event_record
from shouwang.escalation.policies import office_functions
from shouwang.org.models import Role

from .loading import PlanError, library_dir, parse_plan
from .models import Plan, PlanVersion, Resource
from .permissions import can_manage_plans


def known_names():
    """Role codes and office functions a plan may name, as this institution has them."""
    return {
        "known_roles": set(Role.objects.values_list("code", flat=True)),
        "known_functions": office_functions(),
    }


def plan_parse(text: str, filename: str) -> dict:
    """Parse and validate against this institution's roles and offices; PlanError lists every
    problem."""
    return parse_plan(text, filename, **known_names())


def builtin_plans_sync(now=None):
    """Create missing built-in plans and add a version when a shipped file changed. Runs on
    migrate; an incident keeps the version it was activated with."""
    now = now or timezone.now()
    for path in sorted(library_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        document = parse_plan(text, path.name)  # shipped files must be valid: fail loudly
        with transaction.atomic():
            plan, _created = Plan.objects.get_or_create(
                code=document["id"],
                defaults={"title": document["title"], "is_builtin": True, "created_at": now},
            )
            current = plan.current
            if current is not None and current.document == document:
                continue
            plan.title = document["title"]
            plan.save(update_fields=["title"])
            # Shipped content, not an act of anyone's: the version row (with its text) is the
            # record.
            PlanVersion.objects.create(
                plan=plan,
                number=(current.number + 1) if current else 1,
                yaml_text=text,
                document=document,
                created_at=now,
            )


def _require_manager(actor):
    if not can_manage_plans(actor):
        raise PermissionDenied


def _set_header(text: str, key: str, value: str) -> str:
    """Replace the top-level `key:` line of a plan's YAML, keeping the rest as the author wrote it.
    A JSON string is a valid YAML double-quoted scalar, whatever quotes the value holds."""
    line = f"{key}: {json.dumps(value, ensure_ascii=False)}"
    pattern = re.compile(rf"^{key}:.*$", re.MULTILINE)
    return (
        pattern.sub(lambda _m: line, text, count=1) if pattern.search(text) else f"{line}\n{text}"
    )


def plan_clone(*, actor, plan: Plan, code: str, title: str, now=None) -> Plan:
    """Make an institution's own editable copy of a plan (typically a built-in one)."""
    _require_manager(actor)
    now = now or timezone.now()
    code, title = (code or "").strip(), (title or "").strip()
    errors = {}
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,59}", code):
        errors["code"] = [
            _("Use 2 to 60 lowercase letters, digits or underscores, starting with a letter.")
        ]
    elif Plan.objects.filter(code=code).exists():
        errors["code"] = [_("A plan with this code already exists.")]
    if not title:
        errors["title"] = [_("Give the plan a title.")]
    if errors:
        raise ValidationError(errors)
    source = plan.current
    text = _set_header(_set_header(source.yaml_text, "id", code), "title", title)
    try:
        document = plan_parse(text, f"{code}.yaml")
    except PlanError as exc:  # e.g. a role the source names was since removed from this school
        raise ValidationError({"code": [str(p) for p in exc.errors]}) from exc
    with transaction.atomic():
        clone = Plan.objects.create(code=code, title=title, based_on=plan, created_at=now)
        PlanVersion.objects.create(
            plan=clone,
            number=1,
            yaml_text=text,
            document=document,
            created_by=actor,
            created_at=now,
        )
        event_record(
            actor=actor,
            subject=clone,
            verb="plan.cloned",
            at=now,
            data={"from": plan.code, "from_version": source.number},
        )
    return clone


def plan_version_save(*, actor, plan: Plan, yaml_text: str, now=None) -> PlanVersion:
    """A new version from the editor. Built-in plans are read-only: clone them first."""
    _require_manager(actor)
    now = now or timezone.now()
    if plan.is_builtin:
        raise ValidationError(
            {"yaml_text": [_("Built-in plans cannot be edited; clone the plan and edit the copy.")]}
        )
    try:
        document = plan_parse(yaml_text, f"{plan.code}.yaml")
    except PlanError as exc:
        raise ValidationError({"yaml_text": [str(p) for p in exc.errors]}) from exc
    if document["id"] != plan.code:
        raise ValidationError(
            {"yaml_text": [_('The plan\'s id must stay "%(code)s".') % {"code": plan.code}]}
        )
    with transaction.atomic():
        current = Plan.objects.select_for_update().get(pk=plan.pk).current
        if current.document == document and current.yaml_text == yaml_text:
            return current
        version = PlanVersion.objects.create(
            plan=plan,
            number=current.number + 1,
            yaml_text=yaml_text,
            document=document,
            created_by=actor,
            created_at=now,
        )
        plan.title = document["title"]
        plan.save(update_fields=["title"])
        event_record(
            actor=actor,
            subject=plan,
            verb="plan.version_added",
            at=now,
            data={"version": version.number},
        )
    return version


def resource_save(
    *, actor, kind: str, name: str, quantity, unit_label: str = "", location: str = "", now=None
) -> Resource:
    """Register (or correct the quantity of) a material or piece of equipment."""
    _require_manager(actor)
    now = now or timezone.now()
    errors = {}
    if kind not in Resource.Kind.values:
        errors["kind"] = [_("Choose material or equipment.")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the resource.")]
    try:
        quantity = int(quantity)
        if quantity < 0:
            raise ValueError
        if quantity > bounds.MAX_COUNT:
            errors["quantity"] = [
                _("Enter a whole number from 0 to %(max)d.") % {"max": bounds.MAX_COUNT}
            ]
    except (TypeError, ValueError):
        errors["quantity"] = [_("Enter a whole number of 0 or more.")]
    for field, value, limit in (
        ("name", name, 100),
        ("unit_label", unit_label, 10),
        ("location", location, 200),
    ):
        if len(value or "") > limit:  # the model's max_length: longer failed in the database
            errors[field] = [_("At most %(limit)d characters.") % {"limit": limit}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        resource, created = Resource.objects.update_or_create(
            kind=kind,
            name=name,
            defaults={
                "quantity": quantity,
                "unit_label": unit_label.strip(),
                "location": location.strip(),
                "updated_at": now,
            },
        )
        event_record(
            actor=actor,
            subject=resource,
            verb="resource.registered" if created else "resource.updated",
            at=now,
            data={"kind": kind, "name": name, "quantity": quantity},
        )
    return resource


def resource_delete(*, actor, resource: Resource, now=None):
    _require_manager(actor)
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor,
            subject=resource,
            verb="resource.removed",
            at=now,
            data={"kind": resource.kind, "name": resource.name, "quantity": resource.quantity},
        )
        resource.delete()
