"""`shouwang import-template KIND FILE`: the template with Chinese headers; .csv if FILE says so."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.org.importing import KINDS, template_csv, template_workbook


class Command(BaseCommand):
    help = (
        "Write the import template (Chinese headers, one "
        "example row): .xlsx, or .csv if FILE ends so."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        make = template_csv if file.lower().endswith(".csv") else template_workbook
        try:
            Path(file).write_bytes(make(kind))
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(reason)s")
                % {"file": file, "reason": exc.strerror or type(exc).__name__}
            ) from exc
        self.stdout.write(_("Template written to %(file)s.") % {"file": file})
