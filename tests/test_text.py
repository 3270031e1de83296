"""Comment text: cleaning and rendering."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.text import clean_line, clean_text, render_comment

pytestmark = pytest.mark.no_database


def test_paragraphs_line_breaks_and_links():
    html = render_comment("Satu\nbaris dua\n\nParagraf https://example.org/a?b=1&c=2.")
    assert html == (
        "<p>Satu<br>\nbaris dua</p><p>Paragraf "
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener">'
        "https://example.org/a?b=1&amp;c=2</a>.</p>"
    )


def test_markup_is_escaped_never_interpreted():
    html = render_comment('<script>alert(1)</script><img src=x onerror=alert(1)> <a hx-get="/x">')
    assert "<script" not in html and "<img" not in html and "<a hx-get" not in html
    assert "&lt;script&gt;" in html


def test_javascript_urls_are_not_linked():
    assert "<a" not in render_comment("javascript:alert(1) data:text/html,x")


def test_clean_removes_controls_and_bidi_overrides():
    assert clean_text("a\x00b\u202ec\r\nd  ") == "abc\nd"
    assert clean_line("  Ani \n  Budi\t") == "Ani Budi"


ALLOWED_TAGS = {"p", "br", "a"}


@given(st.text(max_size=300))
def test_rendered_comment_has_only_the_renderers_elements(text):
    import re

    html = str(render_comment(clean_text(text)))
    for tag, attributes in re.findall(r"<([a-zA-Z][^\s>/]*)([^>]*)>", html):
        assert tag in ALLOWED_TAGS
        if tag == "a":
            assert re.fullmatch(r' href="https?://[^"]*" rel="nofollow ugc noopener"', attributes)
        else:
            assert attributes == ""


@given(st.text(max_size=300))
def test_rendered_comment_round_trips_its_visible_text(text):
    import html as htmllib
    import re

    cleaned = clean_text(text)
    rendered = str(render_comment(cleaned))
    visible = re.sub(r'<a href="[^"]*" rel="nofollow ugc noopener">', "", rendered)
    visible = visible.replace("</a>", "").replace("<br>\n", "\n").replace("</p><p>", "\n\n")
    visible = htmllib.unescape(re.sub(r"^<p>|</p>$", "", visible))
    expected = "\n\n".join(p.strip() for p in re.split(r"\n\s*\n", cleaned) if p.strip())
    assert " ".join(visible.split()) == " ".join(expected.split())
