"""A paper from arXiv's HTML rendering (LaTeXML): title, sections, front matter, figures, licence.

The markup is LaTeXML's (shared/FACTS.md §8): ``article.ltx_document`` holds
``h1.ltx_title_document``, ``div.ltx_authors`` (``span.ltx_personname`` and
``span.ltx_contact.ltx_role_affiliation``), ``div.ltx_abstract``, then ``section.ltx_section``
/ ``ltx_appendix`` / ``ltx_bibliography`` with ``h2.ltx_title`` headings whose number is a
``span.ltx_tag``. Figures are ``figure.ltx_figure`` with ``img`` files beside the page and a
``figcaption`` that starts with ``span.ltx_tag_figure`` ("Figure 1: "). Image paths are
relative to ``<base href="/html/<id>v<N>/">``, so they are resolved against it.

Only the standard library's ``html.parser`` is used: LaTeXML writes well-formed XHTML, and this
runs in the worker process under a time and memory cap like the PDF parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from papers.errors import PapersError
from papers.sections import Kind, RawSection, Section, make_sections

__all__ = ["HtmlError", "HtmlFigure", "HtmlPaper", "parse_html"]

_MIN_BODY_CHARS = 500  # less body text than this: a failed conversion, use the PDF
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
     "source", "track", "wbr"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "section", "article", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3",
     "h4", "h5", "h6", "blockquote", "figcaption", "table", "tr", "pre", "br"}
)  # fmt: skip
_SKIP_TAGS = frozenset(
    {"script", "style", "nav", "footer", "header", "button", "svg", "object", "img", "figure",
     "dialog", "form", "noscript", "template", "head"}
)  # fmt: skip
_SKIP_CLASSES = frozenset({"ltx_note", "ltx_ERROR", "ltx_page_navbar", "ltx_TOC", "ltx_tabular"})
_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")


class HtmlError(PapersError):
    """The page is not a usable LaTeXML paper (no article, or no body text)."""


@dataclass(frozen=True, slots=True)
class HtmlFigure:
    """One figure of the HTML page: its image file(s) and its caption."""

    label: str  # "Figure 1" ("" when LaTeXML gave it no number)
    caption: str  # the caption without its label
    urls: tuple[str, ...]  # absolute URLs of its raster images, panels in order

    @property
    def url(self) -> str:
        """The first (usually the only) image."""
        return self.urls[0]


@dataclass(frozen=True, slots=True)
class HtmlPaper:
    """What an arXiv HTML page gave."""

    title: str
    sections: tuple[Section, ...]  # the abstract first (kind "abstract"), references included
    front_matter: str  # title, then each author with affiliations and contacts, one per line
    figures: tuple[HtmlFigure, ...]
    licence: str | None  # "CC BY 4.0", as the page states it (pages since Feb 2026 only)
    links: tuple[str, ...] = ()  # external links of the body, the references' excepted


# -- a small DOM -------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)
    parent: _Node | None = None

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(self.attrs.get("class", "").split())

    def iter(self) -> list[_Node]:
        """This node and every element below it, in document order."""
        out, stack = [], [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed([c for c in node.children if isinstance(c, _Node)]))
        return out

    def find(self, tag: str | None = None, cls: str | None = None) -> _Node | None:
        return next((n for n in self.iter() if _is(n, tag, cls)), None)

    def ancestors(self) -> list[_Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


def _is(node: _Node, tag: str | None, cls: str | None) -> bool:
    return (tag is None or node.tag == tag) and (cls is None or cls in node.classes)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


# -- text --------------------------------------------------------------------------------------


def _paragraphs(node: _Node, *, skip: frozenset[int] = frozenset()) -> list[str]:
    """The readable text under ``node`` as paragraphs: math as its TeX (``alttext``); figures,
    footnotes, tables, navigation and LaTeXML's error markers left out."""
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = re.sub(r"\s+", " ", "".join(buffer)).strip()
        if text:
            paragraphs.append(text)
        buffer.clear()

    # Iterative, not recursive: hostile pages nest thousands of elements deep.
    stack: list[tuple[_Node, int]] = [(node, 0)]
    while stack:
        parent, index = stack.pop()
        if index == len(parent.children):
            if parent is not node:
                if parent.tag in _BLOCK:
                    flush()
                elif "ltx_tag" in parent.classes:
                    buffer.append(" ")  # "Karpov et al. (2020)" + the entry, "1" + the title
            continue
        stack.append((parent, index + 1))
        child = parent.children[index]
        if isinstance(child, str):
            buffer.append(child)
            continue
        if id(child) in skip or child.tag in _SKIP_TAGS or child.classes & _SKIP_CLASSES:
            continue
        if child.tag == "math":
            alt = child.attrs.get("alttext", "")
            buffer.append(alt if alt else _plain_text(child))
            continue
        if child.tag in _BLOCK:
            flush()
        stack.append((child, 0))

    flush()
    return paragraphs


def _plain_text(node: _Node) -> str:
    """All the strings under ``node``, in order (iteratively)."""
    parts: list[str] = []
    stack: list[_Node | str] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
        else:
            stack.extend(reversed(item.children))
    return " ".join(" ".join(parts).split())


def _text(node: _Node | None, **kw: frozenset[int]) -> str:
    return " ".join(_paragraphs(node, **kw)) if node is not None else ""


# -- the page ----------------------------------------------------------------------------------


def parse_html(data: bytes, page_url: str) -> HtmlPaper:
    """Read one arXiv HTML page (``page_url`` is where it was fetched, for image URLs).

    Raises HtmlError when the page has no LaTeXML article or too little body text.
    """
    builder = _Builder()
    builder.feed(data.decode("utf-8", errors="replace"))
    builder.close()
    root = builder.root
    article = root.find("article", "ltx_document") or root.find(None, "ltx_page_content")
    if article is None:
        raise HtmlError("the HTML page holds no LaTeXML article")
    base = root.find("base")
    base_url = urljoin(page_url, base.attrs.get("href", "")) if base is not None else page_url
    title_node = article.find("h1", "ltx_title_document")
    title = _text(title_node)

    raw: list[RawSection] = []
    abstract = article.find("div", "ltx_abstract")
    if abstract is not None:
        heading = next((n for n in abstract.iter() if "ltx_title" in n.classes), None)
        skip = frozenset({id(heading)}) if heading is not None else frozenset()
        raw.append(("", "Abstract", "\n\n".join(_paragraphs(abstract, skip=skip)), "abstract"))
    preamble, body_nodes = [], []
    for child in article.children:
        if not isinstance(child, _Node):
            continue
        if child.tag == "section" or "ltx_acknowledgements" in child.classes:
            body_nodes.append(child)
        elif not body_nodes and "ltx_para" in child.classes:
            preamble.extend(_paragraphs(child))
    if not body_nodes:  # sections wrapped in some other element
        body_nodes = [
            n
            for n in article.iter()
            if n.tag == "section"
            and not any(a.tag == "section" for a in n.ancestors() if a is not article)
        ]
    if preamble:
        raw.append(("", "", "\n\n".join(preamble), None))
    for node in body_nodes:
        raw.append(_section(node))
    sections = make_sections(raw)
    body = sum(len(s.text) for s in sections if s.kind not in ("abstract", "references"))
    if body < _MIN_BODY_CHARS:
        raise HtmlError("the HTML page has no body text")
    return HtmlPaper(
        title=title,
        sections=sections,
        front_matter=_front_matter(title, article.find("div", "ltx_authors")),
        figures=_figures(article, base_url),
        licence=_licence(root),
        links=_links(article, page_url),
    )


def _section(node: _Node) -> RawSection:
    """(number, title, text, kind from markup) of one top-level section."""
    heading = next(
        (c for c in node.children if isinstance(c, _Node) and "ltx_title" in c.classes), None
    )
    number, title = "", ""
    if heading is not None:
        tag = heading.find("span", "ltx_tag")
        number = _text(tag).strip().removeprefix("Appendix").strip().rstrip(".")
        title = _text(heading, skip=frozenset({id(tag)}) if tag is not None else frozenset())
    hint: Kind | None = None
    if "ltx_bibliography" in node.classes:
        hint = "references"
    elif "ltx_appendix" in node.classes:
        hint = "appendix"
    elif "ltx_acknowledgements" in node.classes:
        hint = "back_matter"
    skip = frozenset({id(heading)}) if heading is not None else frozenset()
    return number, title.rstrip(". "), "\n\n".join(_paragraphs(node, skip=skip)), hint


def _front_matter(title: str, authors: _Node | None) -> str:
    """The title, then one line per name, affiliation and contact (LaTeXML's own split)."""
    lines = [title] if title else []
    if authors is not None:
        for node in authors.iter():
            if node.classes & {"ltx_personname", "ltx_contact", "ltx_author_notes"}:
                if node.classes & {"ltx_author_notes"} and node.find(None, "ltx_contact"):
                    continue  # its contacts are read one by one
                lines.extend(_paragraphs_lines(node))
        if len(lines) <= 1:  # some classes put everything in plain text
            lines.extend(_paragraphs_lines(authors))
    seen: dict[str, None] = {}
    for line in lines:
        seen.setdefault(line)
    return "\n".join(seen)


def _paragraphs_lines(node: _Node) -> list[str]:
    """Text of ``node`` split at line breaks and blocks (author blocks use ``<br>``)."""
    return [text for p in _paragraphs(node) if (text := p.strip(" ,;"))]


def _figures(article: _Node, base_url: str) -> tuple[HtmlFigure, ...]:
    figures = []
    for node in article.iter():
        if node.tag != "figure" or "ltx_figure" not in node.classes:
            continue
        if any(a.tag == "figure" and "ltx_figure" in a.classes for a in node.ancestors()):
            continue  # a panel of an outer figure
        urls = []
        for img in node.iter():
            src = img.attrs.get("src", "") if img.tag == "img" else ""
            if src and urlsplit(src).path.lower().endswith(_RASTER):
                urls.append(urljoin(base_url, src))
        if not urls:
            continue  # TikZ or SVG only: nothing to post
        captions = [c for c in node.iter() if c.tag == "figcaption" and _figure_of(c) is node]
        caption_node = captions[-1] if captions else None
        label, caption = "", ""
        if caption_node is not None:
            tag = caption_node.find("span", "ltx_tag")
            label = _text(tag).strip().rstrip(":.").strip()
            caption = _text(
                caption_node, skip=frozenset({id(tag)}) if tag is not None else frozenset()
            )
        figures.append(HtmlFigure(label=label, caption=caption, urls=tuple(dict.fromkeys(urls))))
    return tuple(figures)


def _figure_of(node: _Node) -> _Node | None:
    return next((a for a in node.ancestors() if a.tag == "figure"), None)


def _licence(root: _Node) -> str | None:
    """The licence arXiv states at the top of the page (``License: CC BY 4.0``)."""
    node = next((n for n in root.iter() if n.attrs.get("id") == "license-tr"), None)
    text = _text(node).strip()
    text = re.sub(r"^licen[cs]e\s*:\s*", "", text, flags=re.IGNORECASE).strip()
    return text or None


def _links(article: _Node, page_url: str) -> tuple[str, ...]:
    """External links in the body (footnotes included), not the bibliography's or ORCID's."""
    page_host = urlsplit(page_url).netloc
    found: dict[str, None] = {}
    for node in article.iter():
        href = node.attrs.get("href", "") if node.tag == "a" else ""
        if not href.startswith(("http://", "https://")):
            continue
        if any(a.classes & {"ltx_bibliography", "ltx_authors"} for a in node.ancestors()):
            continue
        host = urlsplit(href).netloc
        if (
            host == page_host
            or host.endswith("orcid.org")
            or "/html/" in href
            and "arxiv.org" in host
        ):
            continue
        found.setdefault(href)
    return tuple(found)
