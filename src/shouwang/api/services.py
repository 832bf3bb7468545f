from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.org.models import Unit

from .models import TOKEN_PERMISSIONS, ApiToken, hash_token, new_raw_token


@transaction.atomic
def token_create(*, actor, name: str, unit: Unit, permissions: list[str]) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is never stored or shown again."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied
    unknown = sorted(set(permissions) - set(TOKEN_PERMISSIONS))
    if unknown:
        raise ValidationError(_("Unknown permission(s): %(perms)s") % {"perms": ", ".join(unknown)})
    if not permissions:
        raise ValidationError(_("Give the token at least one permission."))
    if not name.strip():
        raise ValidationError(_("Give the token a name."))
    raw = new_raw_token()
    token = ApiToken.objects.create(
        name=name.strip(),
        token_hash=hash_token(raw),
        prefix=raw[:10],
        unit=unit,
        permissions=sorted(set(permissions)),
        created_by=actor,
    )
    event_record(
        actor=actor,
        subject=token,
        verb="token.created",
        data={"name": token.name, "unit": unit.code, "permissions": token.permissions},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    event_record(actor=actor, subject=token, verb="token.revoked", data={})
    return token
