"""公文 layout (GB/T 9704-2012) with python-docx: A4 with the standard margins, a red 版头 and
rule, 方正小标宋简体 titles, 三号仿宋_GB2312 text, 黑体 and 楷体_GB2312 headings, 落款 and 成文日期.

Fonts are set for East Asian text (w:eastAsia) as well as Latin, so that WPS and Word use them.
No clock time is written: ``no_clock`` masks any a text carries (units receive these documents).
Pages are numbered at the foot ("— 1 —"), odd pages on the right and even ones on the left.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from app.services.reports.parts import Parts, Thumbnail

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
#: 三号 and 二号.
BODY_SIZE = Pt(16)
TITLE_SIZE = Pt(22)
RED = RGBColor(0xE0, 0x00, 0x00)
#: Page numbers: 4号 半角宋体 digits with a dash (一字线) each side, one character in from the edge.
PAGE_FONT = "宋体"
PAGE_SIZE = Pt(14)
DASH = "\u2014"
#: Clock times (10:32, 10：32:05, 10时32分, 10点32分), masked in anything a unit receives.
CLOCK = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|\d{1,2}\s*[时点]\s*\d{1,2}\s*分")


def no_clock(text: str) -> str:
    return CLOCK.sub("（时间略）", text)


def day(value: date) -> str:
    """A date as 公文 write it: 2026年11月28日."""
    return f"{value.year}年{value.month}月{value.day}日"


def set_font(run: Run, name: str, size: Pt = BODY_SIZE, bold: bool = False) -> Run:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attribute), name)
    return run


def new_document(author: str, title: str, today: date) -> DocumentObject:
    """An empty A4 document with GB/T 9704 margins and properties naming only the office."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing = Pt(28)
    props = doc.core_properties
    props.author = props.last_modified_by = author
    props.title, props.subject, props.comments, props.keywords, props.category = title, "", "", "", ""
    midnight = datetime(today.year, today.month, today.day)
    props.created = props.modified = midnight
    props.revision = 1
    return doc


def paragraph(doc: DocumentObject, text: str = "", font: str = BODY_FONT, size: Pt = BODY_SIZE, *,
              align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = True, bold: bool = False) -> Paragraph:
    """A paragraph of one run; body paragraphs start two characters in (首行缩进2字)."""
    para = doc.add_paragraph()
    if align is not None:
        para.alignment = align
    if indent:
        para.paragraph_format.first_line_indent = size * 2
    if text:
        set_font(para.add_run(no_clock(text)), font, size, bold)
    return para


def add_run(para: Paragraph, text: str, font: str = BODY_FONT, size: Pt = BODY_SIZE) -> Run:
    return set_font(para.add_run(no_clock(text)), font, size)


def masthead(doc: DocumentObject, office_name: str, number: str) -> None:
    """版头: the office in red, large and centred; the 发文字号; a red rule across the page."""
    head = paragraph(doc, office_name, TITLE_FONT, Pt(26), align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    head.paragraph_format.space_after = Pt(24)
    head.runs[0].font.color.rgb = RED
    numbered = paragraph(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "8"), ("w:color", "E00000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    numbered._p.get_or_add_pPr().append(border)
    numbered.paragraph_format.space_after = Pt(24)


def title(doc: DocumentObject, text: str) -> None:
    para = paragraph(doc, text, TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para.paragraph_format.space_after = Pt(16)
    para.paragraph_format.line_spacing = Pt(36)


def heading(doc: DocumentObject, text: str) -> Paragraph:
    """A level-1 heading (一、…) in 黑体."""
    return paragraph(doc, text, HEADING_FONT)


def signature(doc: DocumentObject, signatory: str, on: str) -> None:
    """落款 and 成文日期, right-aligned four characters in from the right margin."""
    paragraph(doc, "", indent=False)
    for text in (signatory, on):
        para = paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        para.paragraph_format.right_indent = BODY_SIZE * 4 if text != signatory else BODY_SIZE * 2


def photos(doc: DocumentObject, thumbnails: Sequence[Thumbnail]) -> None:
    """A case's photos in one centred row, each at most PHOTO_BOX_MM."""
    if not thumbnails:
        return
    para = paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para.paragraph_format.line_spacing = 1.0  # single, not the body's exact 28 pt, which clips pictures
    para.paragraph_format.space_before = para.paragraph_format.space_after = Pt(6)
    for n, thumb in enumerate(thumbnails):
        if n:
            para.add_run(" ")
        width, height = thumb.size_mm()
        para.add_run().add_picture(BytesIO(thumb.jpeg), width=Mm(width), height=Mm(height))


def _field(para: Paragraph, instruction: str, shown: str) -> None:
    """A field (e.g. PAGE) as Word writes it: begin, instruction, separate, last result, end."""
    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        set_font(para.add_run(), PAGE_FONT, PAGE_SIZE)._r.append(element)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    set_font(para.add_run(), PAGE_FONT, PAGE_SIZE)._r.append(code)
    char("separate")
    set_font(para.add_run(shown), PAGE_FONT, PAGE_SIZE)
    char("end")


def page_numbers(doc: DocumentObject) -> None:
    """GB/T 9704 page numbers, "— 1 —", at the foot: odd pages on the right, even pages on the
    left, one character in. Later sections (the 附件) carry on with the same footers."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    section.footer_distance = Mm(23)  # the number's top about 7 mm below the text block (35 mm margin)
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer,
                                                                       WD_ALIGN_PARAGRAPH.LEFT)):
        para = footer.paragraphs[0]
        para.alignment = align
        fmt = para.paragraph_format
        fmt.right_indent, fmt.left_indent = (PAGE_SIZE, None) if align == WD_ALIGN_PARAGRAPH.RIGHT else (
            None, PAGE_SIZE)
        set_font(para.add_run(f"{DASH} "), PAGE_FONT, PAGE_SIZE)
        _field(para, "PAGE", "1")
        set_font(para.add_run(f" {DASH}"), PAGE_FONT, PAGE_SIZE)


def attachment_table(doc: DocumentObject, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """附件 on a landscape page of its own: "附件" in 黑体, the caption as a title, then the table."""
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.left_margin, section.right_margin = Mm(37), Mm(35)
    section.footer_distance = Mm(14)
    paragraph(doc, "附件", HEADING_FONT, indent=False)
    title(doc, caption)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    small = Pt(10.5)
    for cells, values, font in [(table.rows[0].cells, header, HEADING_FONT)] + [
            (table.add_row().cells, [no_clock(v) for v in row], BODY_FONT) for row in rows]:
        for cell, text in zip(cells, values, strict=True):
            cell.paragraphs[0].paragraph_format.line_spacing = Pt(14)
            set_font(cell.paragraphs[0].add_run(text), font, small)


def document(parts: Parts, today: date) -> bytes:
    """The .docx of a document's parts: 版头, title, 主送, body, 落款, then the ledger 附件."""
    doc = new_document(parts.header, parts.title, today)
    page_numbers(doc)
    masthead(doc, parts.header, parts.number)
    title(doc, parts.title)
    paragraph(doc, parts.addressee, indent=False)
    for text in parts.paragraphs:
        paragraph(doc, text)
    for section in parts.sections:
        heading(doc, section.heading)
        for case in section.cases:
            para = paragraph(doc)
            add_run(para, case.lead, SUBHEADING_FONT)
            add_run(para, case.text)
            para.paragraph_format.keep_with_next = bool(case.photos)  # the case on the page of its photos
            photos(doc, case.photos)
        for text in section.paragraphs:
            paragraph(doc, text)
    paragraph(doc, parts.attachment)
    signature(doc, parts.signature, parts.date)
    attachment_table(doc, parts.ledger_caption, parts.ledger_header, parts.ledger_rows)
    return to_bytes(doc)


def to_bytes(doc: DocumentObject) -> bytes:
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
