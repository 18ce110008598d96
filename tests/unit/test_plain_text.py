"""screen.plain.literal: text from files and people shows exactly as written in Markdown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screen.plain import literal
from tests.markdown_view import view

HOSTILE = [
    "![x](http://evil.example/x.png)",
    "[click me](javascript:alert(1))",
    "<img src=http://evil.example/x.png>",
    "<b>bold</b> &lt;tag&gt; &amp;",
    "**bold** _it_ `code` ~~gone~~",
    "# Heading",
    "> quoted",
    "- item",
    "+ item",
    "1. first",
    "2) second",
    "a | b\n--|--\nc | d",
    "Name\n===",
    ":red[loud] :tada: $x^2$",
    "<http://evil.example>",
    "\\*still\\* escaped",
    "    indented like code",
    "line one\n\n    after a blank line",
    "http://evil.example/x and www.evil.example and HTTPS://evil.example",
    "[x](<http://evil.example>)",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_and_html_in_data_show_literally(text):
    shown, kinds = view(literal(text))
    assert not kinds, kinds  # nothing but a paragraph of text
    assert " ".join(shown.split()) == " ".join(text.split())


def test_line_breaks_stay_line_breaks():
    shown, kinds = view(literal("first line\nsecond line\r\nthird"))
    assert shown == "first line\nsecond line\nthird" and not kinds


def test_ordinary_text_is_left_alone():
    text = "Café Müller (Zürich), 上海华创医院; 13800138000! o'Brien, li@example.cn"
    assert literal(text) == text


def test_web_addresses_get_an_invisible_word_joiner_so_they_are_not_linked():
    assert literal("www.a.cn http://b.cn") == "www\u2060.a.cn http\u2060\\://b.cn"
    assert literal(None) == literal("") == ""


def test_inside_a_sentence_of_markdown():
    source = f"**Contact:** {literal('![x](http://evil.example/x.png)')} · 138"
    shown, kinds = view(source)
    assert kinds == {"strong_open", "strong_close"}
    assert shown == "Contact: ![x](http://evil.example/x.png) · 138"


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc"))))
def test_any_one_line_text_shows_as_written(text):
    shown, kinds = view(literal(text))
    assert not kinds
    assert " ".join(shown.split()) == " ".join(text.replace("\u00a0", " ").split())


@given(st.lists(st.text("ab*_[]()!#-+1.=<>&:` \t", max_size=12), min_size=1, max_size=5))
def test_any_lines_show_as_written(lines):
    shown, kinds = view(literal("\n".join(lines)))
    assert not kinds
    # line for line (the view trims the text's ends, and spaces inside a line are
    # compared as one)
    expected = "\n".join(" ".join(line.split()) for line in lines).strip()
    assert "\n".join(" ".join(line.split()) for line in shown.split("\n")) == expected
