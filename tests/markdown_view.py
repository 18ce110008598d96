"""What a reader sees of a Markdown string, and which Markdown constructs made it.

The pages hand text to Streamlit as Markdown (st.markdown, captions, alerts, widget
labels, ...). Rendering the same source with a CommonMark parser tells a test whether a
value from a file or a person came out as written, or became a link, an image, HTML,
emphasis or a heading.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# GitHub's Markdown (as Streamlit renders it) turns web addresses in text into links
# after parsing (mdast-util-gfm-autolink-literal); markdown-it does not, so it is
# checked here, on the text as parsed
_AUTOLINK = re.compile(r"(?i)(https?://|www(?=\.))[-.\w]+")
_PLAIN = {
    "paragraph_open",
    "paragraph_close",
    "inline",
    "text",
    "softbreak",
    "hardbreak",
}


def view(source: str) -> tuple[str, set[str]]:
    """(the text as shown, the kinds of Markdown used beyond plain paragraphs), e.g.
    ("see x", {"link_open"}) for "see [x](http://a)" and {"autolink"} for a web address
    GitHub's Markdown would link. No-break spaces read as spaces, word joiners as
    nothing (both invisible)."""
    text: list[str] = []
    kinds: set[str] = set()

    def walk(tokens) -> None:
        for token in tokens:
            if token.type not in _PLAIN:
                kinds.add(token.type)
            if token.type in ("text", "code_inline", "html_inline"):
                text.append(token.content)
                if token.type == "text" and _AUTOLINK.search(token.content):
                    kinds.add("autolink")
            elif token.type == "softbreak":
                text.append(" ")
            elif token.type == "hardbreak":
                text.append("\n")
            elif token.type == "paragraph_close":
                text.append("\n")
            if token.children:
                walk(token.children)

    walk(_PARSER.parse(source))
    return "".join(text).replace("\u00a0", " ").replace("\u2060", "").strip(), kinds


def shown(source: str) -> str:
    """The text a reader sees of a Markdown string (escapes resolved, marks dropped)."""
    return view(source)[0]


def targets(source: str) -> list[str]:
    """Where the links and images of a Markdown string point, and its raw HTML."""
    found: list[str] = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type in ("link_open", "image"):
                found.append(str(token.attrGet("href") or token.attrGet("src")))
            elif token.type == "text":
                found.extend(m[0] for m in _AUTOLINK.finditer(token.content))
            elif token.type in ("html_inline", "html_block"):
                found.append(token.content)
            if token.children:
                walk(token.children)

    walk(_PARSER.parse(source))
    return found
