"""One URL, two shapes: the decision between a page and a fragment lives here.

Only htmx's protocol headers are read. A boosted or history-restore request wants a
whole page, so it is treated as a plain one. Every response shaped by this decision
carries ``Vary`` on the headers read here, so that caches keep the two shapes apart."""

import json

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


SHAPE_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def vary(response: Response, *names: str) -> Response:
    """Add names to the response's Vary header."""
    for name in names:
        response.vary.add(name)
    return response


def shaped(response: Response) -> Response:
    """Mark a response whose shape (page or fragment) depends on the htmx headers."""
    return vary(response, *SHAPE_HEADERS)


def render_varying(template: str, status_code: int = 200, **context) -> Response:
    """Render a template whose URL also answers in the other shape."""
    return shaped(make_response(render_template(template, **context), status_code))


def render_shape(
    page_template: str, fragment_template: str, status_code: int = 200, **context
) -> Response:
    """Render the fragment for htmx and the page otherwise, varying on HX-Request."""
    template = fragment_template if is_htmx() else page_template
    return render_varying(template, status_code, **context)


def client_redirect(response: Response, location: str) -> Response:
    """Ask htmx to load ``location`` as a whole page (used when a session expires)."""
    response.headers["HX-Redirect"] = location
    return shaped(response)


def announce(response: Response, event: str) -> Response:
    """Tell the page that something changed. The event is fired on <body>: the element
    that made the request may be gone by then (a moderated row deletes itself)."""
    response.headers["HX-Trigger"] = json.dumps({event: {"target": "body"}})
    return response
