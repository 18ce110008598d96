"""Text from files and people, shown as text: never as Markdown or HTML.

Streamlit renders Markdown almost everywhere: st.markdown, st.caption, st.info and the
other alerts, titles and headers, and the labels of expanders, tabs, buttons and every
widget, metric values and radio options. A customer name, a contact person, a note or
a verbatim quote is data, not formatting: a contact person written as the Markdown
image ``![x](http://…)`` made the call desk fetch that address, and ``**`` or ``#`` in a
name would restyle the page. ``literal`` escapes such text so it shows as written; it is
the one helper for this, used wherever such text meets Markdown. Where the text stands
alone, ``st.text`` (no Markdown at all) does the same. Tables (st.dataframe) and the
options of select boxes are never Markdown and need nothing.

What shows differs from the data in one way only: an invisible word joiner sits in
"http://" and "www." so that the page does not turn them into links.
"""

from __future__ import annotations

import re

# The characters that make Markdown out of text, each escaped with a backslash (which
# CommonMark allows before any ASCII punctuation): links and images need brackets,
# autolinks and HTML angle brackets; emphasis, code and strike-through * _ ` ~;
# entities &; headings #; tables |; and Streamlit's own :emoji: and :color[...]
# directives and $LaTeX$. Punctuation that means nothing inside a line ( ) . , ; ! ' "
# stays as it is, so messages read the same in the page source.
_SPECIAL = re.compile(r"([\\`*_~\[\]<>#|$:&])")
# at the start of a line: list items (- + or 1. 1)) and setext underlines (= -);
# * > and # are escaped everywhere already
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_NBSP = "\u00a0"
# GitHub's Markdown turns web addresses in text into links after parsing, escapes or
# not: "http://", "https://" and "www." are broken with an invisible word joiner
# (U+2060). E-mail addresses stay as they are (a mailto: link fetches nothing, and an
# address copied from the page must still work).
_WEB_ADDRESS = re.compile(r"(?i)(https?)(?=\\?:\\?/\\?/)|\b(www)(?=\\?\.)")
_WORD_JOINER = "\u2060"


def literal(value: object) -> str:
    """``value`` as Markdown that shows it exactly as written, line breaks kept."""
    if value is None or value == "":
        return ""
    return "  \n".join(_line(line) for line in _LINE_BREAK.split(str(value)))


def _line(line: str) -> str:
    text = _SPECIAL.sub(r"\\\1", line)
    text = _WEB_ADDRESS.sub(lambda m: m[0] + _WORD_JOINER, text)
    body = text.lstrip(" \t")
    # leading spaces as no-break spaces: an indented or blank line then never starts
    # a code block or a new paragraph (a hard line break, "  \n", joins the lines)
    indent = _NBSP * (len(text) - len(body))
    body = _LINE_START.sub(lambda m: m[1] + "\\" if m[1].isdigit() else "\\" + m[1], body)
    return (indent + body) or _NBSP
