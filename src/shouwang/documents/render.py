"""A record (selectors.comprehensive_record / review_record) → the document's blocks → Word or PDF.

Both formats print the same blocks. The Word file follows the 公文 layout of GB/T 9704: A4,
margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; the title in 方正小标宋简体 二号 (22 pt)
centred, headings in 黑体 三号 (16 pt), the body in 仿宋_GB2312 三号 with a fixed 29 pt line and
a two-character indent; page numbers in 4号 (14 pt) half-width digits between dashes ("— 1 —"),
odd pages on the right and even pages on the left, one character in. No free 仿宋_GB2312 or
方正小标宋 exists, so the .docx names the fonts offices have on their PCs (Word substitutes
if one is missing) and the PDF uses Noto Serif CJK SC / Noto Sans CJK SC (Debian fonts-noto-cjk).
"""

import io
from collections.abc import Callable

from django.template.loader import render_to_string
from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

TITLE_FONT, HEADING_FONT, BODY_FONT, PAGE_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312", "宋体"
LATIN_FONT = "Times New Roman"
TITLE_PT, HEADING_PT, BODY_PT, SMALL_PT, PAGE_PT = 22, 16, 16, 14, 14
LINE_PT = 29
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
NUMERALS = "一二三四五六七八九十"

Block = tuple[str, str]  # (title | meta | heading | para | line | small, text)


def numeral(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _heading(sections_so_far: list, title: str) -> Block:
    sections_so_far.append(title)
    return ("heading", f"{numeral(len(sections_so_far))}、{title}")


def comprehensive_blocks(r: dict) -> list[Block]:
    inc, rep = r["incident"], r["report"]
    n: list = []
    b: list[Block] = [
        ("title", r["title"]),
        ("meta", f"{r['school']}　{r['generated_at']}依据系统记录生成"),
    ]
    b.append(_heading(n, "事件概况"))
    b.append(
        (
            "para",
            f"事件名称：{inc['title']}（编号{inc['number']}），涉及单位{inc['unit']}。"
            f"{inc['activated_by']}启动《{inc['plan']}》，响应级别{inc['level']}，目前{inc['status']}。",
        )
    )
    if rep:
        b.append(
            (
                "para",
                f"该事件来自第{rep['number']}号预警报告（{rep['category']}，{rep['severity']}），"
                f"报告单位{rep['unit']}，报告人{rep['reporter']}，事发地点{rep['place']}"
                + (f"，涉及{rep['people_count']}人" if rep["people_count"] is not None else "")
                + "。",
            )
        )
        b += [
            ("para", text)
            for text in (
                rep["description"],
                rep["cause"] and f"可能原因：{rep['cause']}",
                rep["trend"] and f"发展趋势：{rep['trend']}",
            )
            if text
        ]
    else:
        b.append(("para", "该事件未经预警报告，由指挥人员直接启动预案。"))
    if inc["closing_summary"]:
        b.append(("para", f"结束时的处置小结：{inc['closing_summary']}"))
    b.append(_heading(n, "关键时间节点"))
    b += [("line", f"{label}：{value}") for label, value in r["times"]]
    b.append(_heading(n, "应急指挥部"))
    b += [
        (
            "line",
            f"{g['title']}：{g['person']}"
            + (f"（代{g['stands_in_for']}）" if g["stands_in_for"] else ""),
        )
        for g in r["group"]
    ] or [("para", "未组建指挥部。")]
    b.append(_heading(n, "处置任务及完成情况"))
    b.append(("para", f"共分派任务{len(r['tasks'])}项，已完成{r['tasks_done']}项。"))
    for i, t in enumerate(r["tasks"], 1):
        state = f"{t['done_at']}由{t['done_by']}完成" if t["done"] else "未完成"
        b.append(
            (
                "line",
                f"{i}. {t['title']}（{t['assignee']}，时限{t['due_at']}）：{state}"
                + ("，超时" if t["late"] else "")
                + (f"。{t['note']}" if t["note"] else ""),
            )
        )
    b.append(_heading(n, "现场情况与续报"))
    b += [("line", f"{a['at']}　{a['person']}到场") for a in r["arrivals"]]
    for s in r["situation"]:
        extra = "，".join(x for x in (s["place"], s["numbers"], s["trend"]) if x)
        b.append(
            (
                "para",
                f"{s['at']}，{s['author']}续报：{s['text']}" + (f"（{extra}）" if extra else ""),
            )
        )
    if not r["arrivals"] and not r["situation"]:
        b.append(("para", "无到场及续报记录。"))
    b.append(_heading(n, "决策事项"))
    for d in r["decisions"]:
        b.append(
            (
                "para",
                f"{d['at']}，{d['title']}：决定“{d['option']}”。决定人{d['by']}"
                + (f"，权限：{d['authority']}" if d["authority"] else "")
                + f"；理由：{d['reason']}",
            )
        )
    if not r["decisions"]:
        b.append(("para", "无决策记录。"))
    b.append(_heading(n, "信息发布与舆情应对"))
    for x in r["releases"]:
        b.append(
            (
                "line",
                f"{x['at']}　《{x['title']}》"
                + (f"经{x['channel']}发布（{x['by']}）" if x["published"] else "（草稿，未发布）"),
            )
        )
    b += [
        (
            "line",
            f"{m['at']}　{m['outlet']}采访申请：{m['decision']}"
            + (f"（{m['note']}）" if m["note"] else ""),
        )
        for m in r["media"]
    ]
    if not r["releases"] and not r["media"]:
        b.append(("para", "无信息发布及采访记录。"))
    b.append(_heading(n, "对外报告"))
    b += [("line", f"{x['at']}　报{x['recipient']}：{x['content']}") for x in r["external"]] or [
        ("para", "无对外报告记录。")
    ]
    b.append(_heading(n, "善后事项"))
    b += _items_blocks(r["aftermath_items"])
    b.append(_heading(n, "问责认定"))
    b += _findings_blocks(r["findings"])
    b.append(("heading", "附件：处置时间线"))
    b += [
        (
            "small",
            f"{e['at']}　{e['actor']}　{e['what']}" + (f"　{e['detail']}" if e["detail"] else ""),
        )
        for e in r["chronology"]
    ]
    return b


def _items_blocks(items) -> list[Block]:
    if items is None:
        return [("para", "善后事项尚未登记（善后模块未启用）。")]
    return [
        ("line", f"{i['title']}：责任人{i['owner']}，期限{i['due_at']}，{i['state']}")
        for i in items
    ] or [("para", "无善后事项。")]


def _findings_blocks(findings) -> list[Block]:
    if findings is None:
        return [("para", "问责认定尚无记录（问责模块未启用）。")]
    return [
        ("para", f"{f['kind']}：{f['person']}（{f['unit']}），{f['state']}。{f['summary']}")
        for f in findings
    ] or [("para", "未发现迟报、漏报、瞒报、虚报或未及时到位情形。")]


def review_blocks(r: dict) -> list[Block]:
    b: list[Block] = [
        ("title", r["title"]),
        ("meta", f"{r['school']}　{r['generated_at']}依据系统记录生成"),
    ]
    if r["review_state"]:
        b.append(("meta", r["review_state"]))
    if r["signed"]:
        b.append(("meta", f"签发：{r['signed']}"))
    n: list = []
    for s in r["sections"]:
        b.append(_heading(n, s["title"]))
        b += [("para", p) for p in s["paragraphs"]]
        if s["signed"]:
            b.append(("line", f"（{s['signed']}）"))
    if r["facts"]:
        b.append(("heading", "附：关键时间节点"))
        b += [("line", f"{k}：{v}") for k, v in r["facts"]]
    return b


def blocks_for(record: dict) -> list[Block]:
    return review_blocks(record) if record["kind"] == "review" else comprehensive_blocks(record)


# -- Word ---------------------------------------------------------------------------------


def _fonts(run, east_asia: str, size_pt: float) -> None:
    run.font.name = LATIN_FONT
    run.font.size = Pt(size_pt)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def _page_number(paragraph) -> None:
    """ "— PAGE —" as a field Word fills in; half-width digits in 宋体 4号."""

    def run(text=None, **element):
        r = paragraph.add_run(text)
        _fonts(r, PAGE_FONT, PAGE_PT)
        for tag, attrs in element.items():
            el = OxmlElement(f"w:{tag}")
            for k, v in attrs.items():
                el.set(qn(k), v)
            if tag == "instrText":
                el.set(qn("xml:space"), "preserve")
                el.text = " PAGE "
            r._r.append(el)
        return r

    run("— ")
    run(fldChar={"w:fldCharType": "begin"})
    run(instrText={})
    run(fldChar={"w:fldCharType": "separate"})
    run("1")
    run(fldChar={"w:fldCharType": "end"})
    run(" —")


def render_docx(record: dict, progress: Callable[[int], None] | None = None) -> bytes:
    document = new_docx()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28)  # the number sits about 7 mm below the text block
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    # Odd pages number on the right, even pages on the left, one character in (GB/T 9704 §7.5).
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(PAGE_PT)
        else:
            p.paragraph_format.left_indent = Pt(PAGE_PT)
        _page_number(p)
    blocks = blocks_for(record)
    step = max(1, len(blocks) // 4)
    for i, (kind, text) in enumerate(blocks):
        p = document.add_paragraph()
        f = p.paragraph_format
        if kind == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            f.line_spacing = Pt(36)
            f.space_after = Pt(LINE_PT)
            _fonts(p.add_run(text), TITLE_FONT, TITLE_PT)
        elif kind == "meta":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fonts(p.add_run(text), BODY_FONT, SMALL_PT)
        elif kind == "heading":
            f.first_line_indent = Pt(2 * BODY_PT)
            f.keep_with_next = True
            _fonts(p.add_run(text), HEADING_FONT, HEADING_PT)
        elif kind == "small":
            f.line_spacing = Pt(22)
            _fonts(p.add_run(text), BODY_FONT, SMALL_PT)
        else:  # para, line
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            f.first_line_indent = Pt(2 * BODY_PT)
            _fonts(p.add_run(text), BODY_FONT, BODY_PT)
        if progress and i % step == step - 1:
            progress(i * 100 // len(blocks))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- PDF ----------------------------------------------------------------------------------


def _no_fetching(url, *args, **kwargs):
    """The report is built from text the record holds: it loads nothing from anywhere."""
    raise ValueError(f"documents load no resources ({url[:80]})")


def render_html(record: dict) -> str:
    return render_to_string(
        "documents/report.html",
        {"blocks": blocks_for(record), "record": record, "margins": MARGINS_MM},
    )


def render_pdf(record: dict, progress: Callable[[int], None] | None = None) -> bytes:
    try:
        from weasyprint import HTML  # noqa: PLC0415 — loads pango (a second) only when a PDF is made
    except OSError as exc:
        raise RuntimeError(
            "生成 PDF 需要 pango（Debian：apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            "fonts-noto-cjk）"
        ) from exc

    html = render_html(record)
    if progress:
        progress(20)
    document = HTML(string=html, url_fetcher=_no_fetching).render()
    if progress:
        progress(80)
    return document.write_pdf()
