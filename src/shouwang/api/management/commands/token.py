from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime
from django.utils.translation import gettext

from shouwang.api.models import TOKEN_PERMISSIONS, ApiToken
from shouwang.api.services import token_create, token_revoke
from shouwang.org.models import Unit


class Command(BaseCommand):
    help = "Integration tokens for the API: create (printed once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--unit", required=True, help="unit code: the token sees this subtree only"
        )
        create.add_argument(
            "--perm",
            action="append",
            required=True,
            choices=sorted(TOKEN_PERMISSIONS),
            help="repeat for several permissions",
        )
        sub.add_parser("list", help="list tokens (never their secrets)")
        revoke = sub.add_parser("revoke", help="revoke a token by id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def do_create(self, *, name, unit, perm, **_):
        unit_obj = Unit.objects.filter(code=unit).first()
        if unit_obj is None:
            raise CommandError(gettext("Unknown unit code: %(code)s") % {"code": unit})
        try:
            token, raw = token_create(actor=None, name=name, unit=unit_obj, permissions=perm)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"token #{token.pk} {token.name} for {unit_obj.code} ({', '.join(token.permissions)}):"
        )
        self.stdout.write(raw)
        self.stdout.write("Store it now: it is kept only as a hash and cannot be shown again.")

    def do_list(self, **_):
        tokens = ApiToken.objects.select_related("unit").order_by("pk")
        if not tokens:
            self.stdout.write("no tokens")
            return
        self.stdout.write("id\tname\tprefix\tunit\tpermissions\tcreated\tlast used\tstate")
        for t in tokens:
            # Local time (SHOUWANG_TIME_ZONE), like every time the UI shows.
            state = (
                f"revoked {localtime(t.revoked_at):%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            )
            used = f"{localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"#{t.pk}\t{t.name}\t{t.prefix}…\t{t.unit.code}\t{','.join(t.permissions)}\t"
                f"created {localtime(t.created_at):%Y-%m-%d %H:%M}\tlast used {used}\t{state}"
            )

    def do_revoke(self, *, id, **_):
        token = ApiToken.objects.filter(pk=id, revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"no active token #{id}")
        token_revoke(actor=None, token=token)
        self.stdout.write(f"token #{id} revoked")
