"""`shouwang import units|staff|students FILE`: all rows or none, every error printed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shouwang.org.importing import KINDS, import_file


def error_line(error) -> str:
    if error.row is None:
        return _("File: %(message)s") % {"message": error.message}
    return _("Row %(row)d, column %(column)s: %(message)s") % error._asdict()


class Command(BaseCommand):
    help = (
        "Import units, staff or students from .xlsx/.csv: all rows or none. Usage: import KIND FILE"
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": file})
        # The operator at the command line is the system: actor=None may import anything.
        with path.open("rb") as f:
            result = import_file(actor=None, kind=kind, data=f, filename=path.name)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error_line(error))
            n = len(result.errors)
            raise CommandError(
                ngettext(
                    "Nothing was imported: %(counter)s error",
                    "Nothing was imported: %(counter)s errors",
                    n,
                )
                % {"counter": n}
            )
        self.stdout.write(
            _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged.")
            % {"c": result.created, "u": result.updated, "n": result.unchanged}
        )
