from pathlib import Path

from django.core.management.base import BaseCommand

from shouwang.org.importing import KINDS, template_workbook


class Command(BaseCommand):
    help = "Write the .xlsx import template (Chinese headers, one example row). Usage: import-template KIND FILE"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        Path(file).write_bytes(template_workbook(kind))
        self.stdout.write(f"模板已写入 {file}")
