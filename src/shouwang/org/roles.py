from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")


def default_roles():
    with ROLES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def sync_default_roles(sender=None, using="default", **kwargs):
    """Create any shipped role that is missing after migrate; an office's edits and own roles
    stay."""
    from .models import Role

    for order, spec in enumerate(default_roles()):
        Role.objects.using(using).get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "rank": spec.get("rank", 10),
                "school_wide": spec.get("school_wide", False),
                "required_for": spec.get("required_for", []),
                "sort_order": order,
            },
        )
