"""What a 整改通知 or 通报 says, independent of its format: ``official`` gathers it once, and the
.docx (``gongwen``) and the PDF (``pdf``) each lay the same parts out."""

from __future__ import annotations

from dataclasses import dataclass

#: How wide and how tall at most a case's photo is printed, in millimetres: three side by side
#: fit the 156 mm of a line.
PHOTO_BOX_MM = (48.0, 48.0)


@dataclass(frozen=True)
class Thumbnail:
    """A photo as a document shows it: a JPEG with no metadata, and its size in pixels."""

    jpeg: bytes
    width: int
    height: int

    def size_mm(self) -> tuple[float, float]:
        """Width and height in mm: as large as fits PHOTO_BOX_MM, keeping the proportions."""
        box_w, box_h = PHOTO_BOX_MM
        scale = min(box_w / self.width, box_h / self.height)
        return round(self.width * scale, 1), round(self.height * scale, 1)


@dataclass(frozen=True)
class Case:
    """One numbered case: its lead (（一）place。) set in 楷体, then what was found, then the
    photos of the visits behind it (thumbnails, none in a 整改通知)."""

    lead: str
    text: str
    photos: tuple[Thumbnail, ...] = ()


@dataclass(frozen=True)
class Section:
    """A level-1 heading (一、…) and either numbered cases or plain paragraphs."""

    heading: str
    cases: tuple[Case, ...] = ()
    paragraphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Parts:
    header: str  # the office, in the red 版头
    number: str  # 发文字号
    title: str
    addressee: str  # 主送机关, with its colon
    paragraphs: tuple[str, ...]  # the opening
    sections: tuple[Section, ...]  # cases, (assessment,) requirements
    attachment: str  # 附件：…
    signature: str  # 落款
    date: str  # 成文日期, to the day
    ledger_caption: str
    ledger_header: tuple[str, ...]
    ledger_rows: tuple[tuple[str, ...], ...]
