"""Property-based: whatever text is posted through the real form, the page shows it as
text (no element or attribute the template did not put there), shows no email, and
reads back as what was typed (cleaned of invisible controls)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp import create_app
from webapp.extensions import db
from webapp.forms import has_visible
from webapp.text import clean_text

from helpers import ARTICLE, form_fields, make_config

ALLOWED = {"p": set(), "br": set(), "a": {"href", "rel"}}
EMAIL = "rahasia.properti@example.com"


class CommentText(HTMLParser):
    """The elements, attributes and text inside one comment's text block."""

    def __init__(self, comment_id: int):
        super().__init__(convert_charrefs=True)
        self.target = f"comment-{comment_id}"
        self.inside_comment = False
        self.depth = 0
        self.elements: list[tuple[str, set[str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "li" and attributes.get("id") == self.target:
            self.inside_comment = True
        elif self.inside_comment and tag == "div" and "comment-text" in (attributes.get("class") or ""):
            self.depth = 1
        elif self.depth:
            self.elements.append((tag, set(attributes)))
            if tag == "br":
                self.text.append("\n")
            if tag != "br":
                self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if tag == "p":
                self.text.append("\n\n")
            if self.depth == 0:
                self.inside_comment = False

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


@pytest.fixture(scope="module")
def property_app(tmp_path_factory):
    app = create_app(make_config(tmp_path_factory.mktemp("properties"), WARTA_MODERATION="none",
                                 WARTA_MAX_LINKS=0))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


TEXT = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_posted_text_renders_as_text(property_app, text):
    client = property_app.test_client()
    data = {**form_fields(client), "comment": text, "author": "Properti", "email": EMAIL}
    response = client.post(f"/articles/{ARTICLE}/comments", data=data)
    assert response.status_code in (303, 422)
    if response.status_code == 422:
        cleaned = clean_text(text)
        duplicate = "komentar yang sama" in response.get_data(as_text=True)
        assert not has_visible(cleaned) or len(cleaned) > 5000 or duplicate
        return
    comment_id = int(response.headers["Location"].rsplit("comment-", 1)[1])
    page = client.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert EMAIL not in page
    parser = CommentText(comment_id)
    parser.feed(page)
    for tag, attributes in parser.elements:
        assert tag in ALLOWED and attributes <= ALLOWED[tag], (tag, attributes)
    shown = " ".join("".join(parser.text).split())
    assert shown == " ".join(clean_text(text).split())
