"""The brief's document model: paragraphs, lists, numbered tables and figures, sections.

:func:`sim.report.document.build_document` fills it once per language; the renderers
(:mod:`sim.report.brief` for HTML and PDF, :mod:`sim.report.word` for Word) and the page's
comparison export (:mod:`sim.report.comparison`) only lay it out. Nothing here computes a figure.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

__all__ = [
    "WIDE_COLUMNS",
    "Block",
    "Bullets",
    "DocFigure",
    "DocTable",
    "Document",
    "Para",
    "Section",
]

#: Tables with more columns than this are laid out on landscape A4 pages.
WIDE_COLUMNS = 8


@dataclass
class Para:
    """A paragraph; ``note`` is a small legend line (units, definitions)."""

    text: str
    note: bool = False


@dataclass
class Bullets:
    """A bulleted list."""

    items: list[str]


@dataclass
class DocTable:
    """A table with a numbered caption: header row, text cells, numbers right-aligned.

    ``numeric_from``: index of the first numeric column; ``flagged``: row indexes to mark (an
    [R] source); ``wide``: set on a landscape page (more than :data:`WIDE_COLUMNS` columns).
    """

    number: int
    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric_from: int = 99
    note: str = ""
    flagged: list[int] = field(default_factory=list)
    id: str = ""

    @property
    def wide(self) -> bool:
        """More columns than fit A4 portrait: laid out on a landscape page."""
        return len(self.head) > WIDE_COLUMNS


@dataclass
class DocFigure:
    """A numbered figure: PNG bytes, caption ("Рисунок N – …") and the source line under it."""

    number: int
    name: str
    title: str
    caption: str
    source: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI (the HTML brief embeds it)."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


Block = Para | Bullets | DocTable | DocFigure


@dataclass
class Section:
    """A titled section of blocks."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """The brief in one language: title, a line under it, sections (the summary first)."""

    lang: str
    title: str
    subtitle: str
    date: str
    sections: list[Section]

    @property
    def figures(self) -> list[DocFigure]:
        """Every figure, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, DocFigure)]

    @property
    def tables(self) -> list[DocTable]:
        """Every table, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, DocTable)]
