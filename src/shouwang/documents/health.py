"""check-deploy's warnings for documents: a PDF needs pango (WeasyPrint) and the Noto CJK fonts;
without the fonts WeasyPrint prints Chinese as empty boxes and says nothing. And documents stuck
generating (the worker's sweep gives them up; still there, the worker is not running)."""

import shutil
import subprocess

from django.utils import timezone

from .selectors import STUCK_MINUTES, documents_stuck

FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC")
PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk"


def missing_fonts() -> list[str]:
    if shutil.which("fc-list") is None:
        return list(FONTS)
    found = subprocess.run(
        ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10
    ).stdout
    return [f for f in FONTS if f not in found]


def pdf_warnings() -> list[str]:
    warnings = []
    try:
        import weasyprint  # noqa: F401, PLC0415 — loads pango: only when checked
    except OSError:
        warnings.append(f"PDF 文书无法生成：缺少 pango（Debian：apt-get install {PACKAGES}）")
    fonts = missing_fonts()
    if fonts:
        warnings.append(
            f"PDF 文书缺少中文字体 {'、'.join(fonts)}（Debian：apt-get install fonts-noto-cjk）"
        )
    return warnings


def stuck_warnings(*, now=None) -> list[str]:
    n = documents_stuck(now or timezone.now()).count()
    if not n:
        return []
    return [
        f"{n} 份文书生成超过 {STUCK_MINUTES} 分钟无进展：工作进程（shouwang worker）是否在运行？"
    ]
