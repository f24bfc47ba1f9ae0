"""Text for the page, made HTML by us and only us.

Document text, metadata and model output are data: the templates escape every value
(Jinja2 autoescape). Answers and drafts are Markdown, so ``markdown_html`` renders the
few structures they use — paragraphs, lists, bold, italic, code — from markdown-it's
tokens, escaping every piece of text itself. Raw HTML in the Markdown is shown as text,
a link as its text followed by its address (never a live link whose address is hidden),
an image as its description. No other tag ever comes from the content.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from assistant.text.markers import MARKS

BLOCKS = {"paragraph": "p", "bullet_list": "ul", "ordered_list": "ol", "list_item": "li", "blockquote": "blockquote",
          "heading": "p"}


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})  # raw HTML stays text


def _marks(escaped: str, cite_href) -> str:
    """[n] markers as links to their citation (escaped text in, HTML out)."""
    if cite_href is None:
        return escaped

    def link(match: re.Match) -> str:
        parts = [p.strip() for p in re.split(r"[,;]", match.group(1))]
        linked = [f'<a class="cite" href="{escape(cite_href(int(p)))}">{p}</a>' if cite_href(int(p)) else p
                  for p in parts]
        return "[" + ", ".join(linked) + "]"

    return MARKS.sub(link, escaped)


def _inline(children, cite_href) -> str:
    out: list[str] = []
    links: list[str] = []
    for token in children or []:
        kind = token.type
        if kind in ("text", "html_inline"):
            out.append(_marks(str(escape(token.content)), cite_href))
        elif kind in ("strong_open", "strong_close", "em_open", "em_close"):
            tag = "strong" if kind.startswith("strong") else "em"
            out.append(f"<{tag}>" if kind.endswith("open") else f"</{tag}>")
        elif kind == "code_inline":
            out.append(f"<code>{escape(token.content)}</code>")
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append("<br>")
        elif kind == "link_open":
            links.append(str(token.attrs.get("href", "")))
        elif kind == "link_close":
            href = links.pop() if links else ""
            out.append(f" ({escape(href)})" if href else "")
        elif kind == "image":
            alt = token.content or "image"
            out.append(f"{escape(alt)} (image: {escape(str(token.attrs.get('src', '')))})")
        else:
            out.append(str(escape(token.content or "")))
    return "".join(out)


def markdown_html(text: str, cite_href=None) -> Markup:
    """Safe HTML for an answer's or a draft's Markdown; ``cite_href(n)`` gives the link
    of citation n (or None: the marker stays text)."""
    out: list[str] = []
    for token in _parser().parse(text or ""):
        kind = token.type
        if kind.endswith("_open") or kind.endswith("_close"):
            base, closing = (kind[:-6], True) if kind.endswith("_close") else (kind[:-5], False)
            if base == "paragraph" and token.hidden:  # a tight list's items
                continue
            tag = BLOCKS.get(base)
            if tag:
                css = ' class="md-heading"' if base == "heading" and not closing else ""
                out.append(f"</{tag}>" if closing else f"<{tag}{css}>")
        elif kind == "inline":
            out.append(_inline(token.children, cite_href))
        elif kind in ("fence", "code_block"):
            out.append(f"<pre>{escape(token.content)}</pre>")
        elif kind == "hr":
            out.append("<hr>")
        elif token.content:
            out.append(f"<p>{escape(token.content)}</p>")
    return Markup("".join(out))


def highlight(text: str, quote: str) -> Markup:
    """``text`` with the first occurrence of ``quote`` marked (spacing may differ)."""
    if quote:
        start = text.find(quote)
        if start >= 0:
            end = start + len(quote)
        else:
            words = quote.split()
            found = re.search(r"\s+".join(re.escape(w) for w in words), text) if words else None
            start, end = (found.start(), found.end()) if found else (-1, -1)
        if start >= 0:
            return Markup(f"{escape(text[:start])}<mark>{escape(text[start:end])}</mark>{escape(text[end:])}")
    return Markup(escape(text))
