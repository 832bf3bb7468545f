from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.org.importing import KINDS, ImportFileError, import_file


class Command(BaseCommand):
    help = "Import units, staff or students from .xlsx/.csv: all rows or none. Usage: import KIND FILE"

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        try:
            result = import_file(actor=None, kind=kind, data=path.read_bytes(), filename=path.name)
        except ImportFileError as exc:
            raise CommandError(f"导入失败，未写入任何数据：{exc}") from exc
        if result.errors:
            for row, column, message in result.errors:
                self.stderr.write(f"第{row}行 [{column}]：{message}")
            raise CommandError(f"导入失败，未写入任何数据：共 {len(result.errors)} 处错误")
        self.stdout.write(f"导入完成：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}")
