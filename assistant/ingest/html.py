"""Saved web pages -> the page's main text, with headings, lists and tables kept as lines
the chunker reads ("## Heading", "- item", "cell | cell"), and the page's title, date and
publisher as metadata hints.

Main content is found by trafilatura (chosen over readability-lxml and jusText on council
CMS pages: see the README's HTML section for the comparison), after structural clutter it
misses on council sites is pruned (cookie banners, breadcrumbs, "share this page",
"Was this page helpful?" forms, layout tables). The extraction is deterministic: the same
bytes always give the same text, so quotes stay verbatim substrings of the loaded page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html as lxml_html

# Subtrees that are never plan content on council sites: id/class words seen on LocalGov Drupal,
# Jadu, Umbraco, ModernGov, GOV.UK Frontend and the common cookie-consent widgets, matched as
# whole words of the id/class ("social-share", "mgBreadCrumbs" -> "mg-bread-crumbs"), never
# inside a longer word ("shared-services" is content).
_CLUTTER_MARK = re.compile(
    r"(?:^|[-_ ])(?:cookies?|consent|ccc|gdpr|bread-?crumbs?|skip(?:-?links?)?|share|sharing|social|feedback|"
    r"rating|helpful|newsletter|site-alert|alert-banner|back-?to-?top|pagination|pager|guide-nav|in-this-section|"
    r"related|file-?size|contact)(?=$|[-_ ])")
# Page-frame words: clutter outside the main content, but inside it they name parts of the content
# ("govuk-accordion__section-header" holds a theme's heading).
_FRAME_MARK = re.compile(
    r"(?:^|[-_ ])(?:footer|header|navbar|nav|main-?nav|mainnav|menu|sidebar|side-?col|side-?nav)(?=$|[-_ ])")
_MAIN = "ancestor-or-self::main | ancestor-or-self::article | ancestor-or-self::*[@role='main']"
_CLUTTER_XPATH = (
    "//nav | //aside | //footer | //*[@role='navigation' or @role='contentinfo' or @role='search'"
    " or @role='dialog' or @role='alertdialog' or @aria-hidden='true' or @hidden]"
    " | //form[.//textarea or .//input[@type='radio'] or @role='search' or .//input[@type='search']]"
)
_NEVER_TEXT = "//script | //style | //noscript | //template | //svg | //iframe | //button | //select | //textarea"
_BLOCKS = {"html", "body", "nav", "aside", "footer", "menu", "p", "div", "section", "article", "main", "header", "ul", "ol", "li", "table", "tr", "h1", "h2", "h3",
           "h4", "h5", "h6", "blockquote", "pre", "dl", "dt", "dd", "figure", "figcaption", "address", "fieldset",
           "details", "summary", "hr", "form", "center"}
_SKIP = {"script", "style", "noscript", "template", "svg", "button", "select", "textarea", "input", "head", "title",
         "meta", "link", "img"}
_WS = re.compile(r"[ \t\n\r\f\v\u00a0]+")  # HTML collapses white space (and &nbsp;) to one space
# Lines that are site furniture whatever element carries them ("pdf icon PDF 245 KB" is ModernGov's link label).
_FURNITURE = re.compile(
    r"^(?:skip to (?:main )?content|toggle (?:menu|navigation)|menu|back to top|print this (?:page|guide)|"
    r"share this page|was this page helpful\??|previous page|next page|pdf icon pdf [\d.]+ [km]b|"
    r"(?:pdf|word|excel) icon)$", re.IGNORECASE)
_FILE_SIZE = re.compile(r"\s*(?:pdf|word|doc|xls) icon (?:pdf|docx?|xlsx?) [\d.]+ ?[km]b\b", re.IGNORECASE)

DATE_META = ("article:published_time", "datepublished", "dc.date.issued", "dcterms.issued", "dc.date",
             "dcterms.date", "dc.date.created", "dcterms.created", "date", "citation_publication_date",
             "article:modified_time", "dc.date.modified", "dcterms.modified", "last-modified")
PUBLISHER_META = ("og:site_name", "dc.publisher", "dcterms.publisher", "publisher", "application-name")


@dataclass
class HtmlPage:
    text: str
    title: str = ""
    date: str = ""  # YYYY-MM-DD or ""
    publisher: str = ""


def decode(raw: bytes) -> str:
    """HTML bytes -> text: BOM, then the page's declared charset, then UTF-8, then Windows-1252
    (what browsers assume for old pages that declare nothing)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(codec, errors="replace")
    declared = re.search(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", raw[:4096], re.IGNORECASE)
    codecs = [declared.group(1).decode("ascii").lower()] if declared else []
    for codec in codecs + ["utf-8"]:
        try:
            return raw.decode("cp1252" if codec in ("iso-8859-1", "latin-1", "latin1", "us-ascii") else codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("cp1252", errors="replace")


def parse(text: str):
    # lxml refuses str input that carries an XML encoding declaration, or control characters
    text = _CONTROL.sub("", re.sub(r"^\s*<\?xml[^>]*\?>", "", text))
    try:
        return lxml_html.document_fromstring(text)
    except etree.ParserError:  # "Document is empty": a page of comments or white space
        return lxml_html.document_fromstring("<html><body></body></html>")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class NotHtml(ValueError):
    pass


def load_html(raw: bytes) -> HtmlPage:
    """One saved page -> its main text and metadata hints."""
    text = decode(raw)
    if "\x00" in text:
        raise NotHtml("it holds binary data (NUL bytes)")
    tree = parse(text)
    hints = page_metadata(tree)
    return HtmlPage(text=main_text(tree), **hints)


# --- metadata ------------------------------------------------------------------------------
def _metas(tree) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or "")
        value = _WS.sub(" ", meta.get("content") or "").strip()
        if key and value:
            found.setdefault(key.strip().lower(), value)
    return found


def page_metadata(tree) -> dict[str, str]:
    metas = _metas(tree)
    publisher = next((metas[k] for k in PUBLISHER_META if metas.get(k)), "")
    title_el = tree.find(".//title")
    page_title = _WS.sub(" ", title_el.text_content() if title_el is not None else "").strip()
    title = metas.get("og:title") or metas.get("dc.title") or metas.get("dcterms.title") or page_title
    if title == page_title:
        title = _strip_site_suffix(title, publisher)
    date = ""
    for key in DATE_META:
        date = iso_date(metas.get(key, ""))
        if date:
            break
    if not date:  # <time datetime="..."> in the page, e.g. "Last updated"
        stamp = tree.find(".//time[@datetime]")
        date = iso_date(stamp.get("datetime")) if stamp is not None else ""
    return {"title": title[:300], "date": date, "publisher": publisher[:200]}


def _strip_site_suffix(title: str, publisher: str) -> str:
    """"Productivity Plan 2024 | Northbrook District Council" -> "Productivity Plan 2024"."""
    parts = re.split(r"\s+[|–—-]\s+", title)
    if len(parts) > 1 and (not publisher or publisher.lower() in parts[-1].lower()
                           or parts[-1].lower() in publisher.lower() or "council" in parts[-1].lower()):
        return " - ".join(parts[:-1]).strip()
    return title


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def iso_date(value: str) -> str:
    """"2024-07-18T09:30:00+01:00", "2024-07-18", "18 July 2024", "18/07/2024" -> "2024-07-18"."""
    value = (value or "").strip()
    match = re.match(r"(20\d\d|19\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", value)
    if match:
        return match.group(0)
    match = re.match(r"(\d{1,2})/(\d{1,2})/(\d{4})$", value)  # UK order
    if match and 1 <= int(match.group(2)) <= 12 and 1 <= int(match.group(1)) <= 31:
        return f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
    match = re.search(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})\b", value)
    if match and match.group(2).lower() in _MONTHS:
        return f"{match.group(3)}-{_MONTHS.index(match.group(2).lower()) + 1:02d}-{int(match.group(1)):02d}"
    return ""


# --- main content --------------------------------------------------------------------------
def prune(tree) -> None:
    """Remove site furniture in place: menus, banners, breadcrumbs, forms, footers."""
    for el in list(tree.xpath(_NEVER_TEXT)):
        _drop(el)
    for el in list(tree.xpath(_CLUTTER_XPATH)):
        if not _holds_main(el):
            _drop(el)
    for el in list(tree.iter()):
        if not isinstance(el.tag, str) or el.tag in ("html", "body") or el.getparent() is None:
            continue
        marks = re.sub(r"([a-z])([A-Z])", r"\1-\2", f"{el.get('id') or ''} {el.get('class') or ''}").lower()
        if (_CLUTTER_MARK.search(marks) or (_FRAME_MARK.search(marks) and not el.xpath(_MAIN))) \
                and not _holds_main(el):
            _drop(el)
    for table in list(tree.iter("table")):
        if _is_layout_table(table):
            _unwrap_table(table)


def _holds_main(el) -> bool:
    """A wrapper whose class merely mentions e.g. "sidebar-layout" but holds the page's content."""
    return bool(el.xpath(".//main | .//h1 | .//article")) or el.tag in ("main", "article")


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():  # keep text that follows the element
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _is_layout_table(table) -> bool:
    return (table.get("role") == "presentation"
            or bool(table.xpath("./tr/td/*[self::p or self::div or self::h1 or self::h2 or self::h3 or self::ul"
                                " or self::table or self::form] | ./tbody/tr/td/*[self::p or self::div or self::h1"
                                " or self::h2 or self::h3 or self::ul or self::table or self::form]")))


def _unwrap_table(table) -> None:
    """A table used for page layout (ModernGov, old CMSs) becomes a div per cell."""
    wrapper = etree.Element("div")
    for cell in table.xpath("./tr/td | ./tbody/tr/td | ./tr/th | ./tbody/tr/th"):
        cell.tag = "div"
        wrapper.append(cell)
    wrapper.tail = table.tail
    table.getparent().replace(table, wrapper)


def main_text(tree) -> str:
    prune(tree)
    fragment = _extract(tree)
    lines = render(fragment)
    return "\n".join(_tidy(lines)).strip() + "\n"


def _extract(tree):
    """The main-content subtree: trafilatura's choice, else <main>/<article>, else <body>.

    Class and id attributes are removed before trafilatura sees the page: its content selectors
    take the *first* element whose class looks like content, and on a GOV.UK accordion that is
    "govuk-accordion__section-content", the first theme of four. Without them it judges the page
    by its structure and text (all four kept; see the README's comparison)."""
    import trafilatura

    for el in tree.iter():
        if isinstance(el.tag, str):
            el.attrib.pop("class", None)
            el.attrib.pop("id", None)
    markup = lxml_html.tostring(tree, encoding="unicode")
    result = trafilatura.extract(markup, output_format="html", include_tables=True, include_formatting=True,
                                 include_links=False, include_images=False, include_comments=False,
                                 deduplicate=False, favor_recall=True)
    if result:
        return lxml_html.document_fromstring(result).find("body")
    main = tree.xpath("//main | //*[@role='main'] | //article")
    return main[0] if main else (tree.find("body") if tree.find("body") is not None else tree)


# --- rendering -----------------------------------------------------------------------------
def render(root) -> list[str]:
    """An HTML subtree -> blocks of text; blocks separated by "" entries."""
    out: list[str] = []
    _render_block(root, out, depth=0)
    return out


def _inline(el) -> str:
    """An element's text with inline markup flattened (<br> -> newline)."""
    parts: list[str] = []

    def walk(node):
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            if node.tail:
                parts.append(node.tail)
            return
        if node.tag == "br":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    lines = [_WS.sub(" ", line).strip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _emphasis_only(el) -> bool:
    """<p><strong>About our place</strong></p>: editors' headings on CMSs without heading styles."""
    children = [c for c in el if isinstance(c.tag, str)]
    if len(children) != 1 or children[0].tag not in ("strong", "b") or (el.text or "").strip():
        return False
    if (children[0].tail or "").strip():
        return False
    text = _inline(el)
    return 0 < len(text) <= 100 and "\n" not in text and text[-1] not in ".,;"


def _render_block(el, out: list[str], depth: int) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _SKIP:
        return
    if re.fullmatch(r"h[1-6]", tag):
        _add(out, "#" * int(tag[1]) + " " + _inline(el).replace("\n", " "))
        return
    if tag in ("ul", "ol"):
        _blank(out)
        for item in el:
            if isinstance(item.tag, str) and item.tag == "li":
                _render_item(item, out, depth)
        _blank(out)
        return
    if tag == "table":
        _blank(out)
        for row in el.iter("tr"):
            cells = []
            for cell in row:
                if isinstance(cell.tag, str) and cell.tag in ("td", "th"):
                    value = _inline(cell).replace("\n", " ")
                    if value and (not cells or cells[-1] != value):
                        cells.append(value)
            if cells:
                out.append(" | ".join(cells))
        _blank(out)
        return
    if tag == "p" and _emphasis_only(el):
        _add(out, "### " + _inline(el))
        return
    if tag == "pre":
        _add(out, "\n".join(line.rstrip() for line in el.text_content().split("\n")).strip("\n"))
        return
    if not any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el):
        _add(out, _inline(el))
        return
    # mixed content: runs of inline content become their own blocks
    run = etree.Element("span")
    run.text = el.text
    for child in list(el):
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            _add(out, _inline(run))
            run = etree.Element("span")
            run.text = child.tail
            tail, child.tail = child.tail, None
            _render_block(child, out, depth)
            child.tail = tail
        else:
            run.append(_copy(child))
    _add(out, _inline(run))


def _copy(el):
    import copy

    return copy.deepcopy(el)


def _render_item(li, out: list[str], depth: int) -> None:
    nested = [c for c in li if isinstance(c.tag, str) and c.tag in ("ul", "ol")]
    for sub in nested:
        li.remove(sub)
    text = _inline(li).replace("\n", " ")
    if text:
        out.append("  " * depth + "- " + text)
    for sub in nested:
        for item in sub:
            if isinstance(item.tag, str) and item.tag == "li":
                _render_item(item, out, depth + 1)


def _add(out: list[str], text: str) -> None:
    if text.strip():
        _blank(out)
        out.append(text)
        _blank(out)


def _blank(out: list[str]) -> None:
    if out and out[-1] != "":
        out.append("")


def _tidy(lines: list[str]) -> list[str]:
    """Drop furniture lines and headings with nothing under them; one blank line between blocks."""
    kept = []
    for line in lines:
        if line and _FURNITURE.match(line.lstrip("#- ").strip()):
            continue
        kept.append(_FILE_SIZE.sub("", line) if line else line)
    result: list[str] = []
    for i, line in enumerate(kept):
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            following = next((ln for ln in kept[i + 1:] if ln.strip()), "")
            if not following or (following.startswith("#")
                                 and len(following) - len(following.lstrip("#")) <= level):
                continue  # an empty section: "In this guide" whose list was menus
        if line == "" and (not result or result[-1] == ""):
            continue
        result.append(line)
    return result
