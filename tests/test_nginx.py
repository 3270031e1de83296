"""deploy/nginx.conf in front of the real app: real nginx (tests/nginx_server.py) and
gunicorn, on 127.0.0.1. Anonymous readers share a one-second micro-cache; Warta's
session cookie, the admin and posts never touch it; nginx serves /static/ itself."""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from nginx_server import Nginx, nginx_available

from servers import ROOT, Gunicorn, NoRedirect, Visitor, free_port

ARTICLE = "putin-kim-pakta-pertahanan"
ARTICLE_PATH = f"/articles/{ARTICLE}"
ADMIN = "Penjaga Gerbang Nginx"  # a name that no reader page should ever show
PASSWORD = "sandi-panjang-sekali"
CACHED = {"HIT", "STALE", "UPDATING", "REVALIDATED"}  # answered from a stored copy
READER_ROUTES = [
    ("/", {}),
    (ARTICLE_PATH, {}),
    (f"{ARTICLE_PATH}?sections=all", {}),
    (f"{ARTICLE_PATH}/sections/1", {}),
    (f"{ARTICLE_PATH}/sections/1", {"HX-Request": "true"}),
    (f"{ARTICLE_PATH}/comments?page=1", {}),
    (f"{ARTICLE_PATH}/comments?page=1", {"HX-Request": "true"}),
    (f"{ARTICLE_PATH}/comments.atom", {}),
    ("/healthz", {}),
]


@dataclass
class Stack:
    app: Gunicorn
    proxy: Nginx
    env: dict
    database: Path


def flask(env: dict, *args: str, stdin: str = "") -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env={**os.environ, **env}, input=stdin, text=True, check=True,
        capture_output=True, timeout=60,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not nginx_available():
        pytest.fail("nginx is required for these tests: apt-get install nginx")
    tmp = tmp_path_factory.mktemp("nginx-stack")
    database = tmp / "w.sqlite3"
    env = {
        "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "WARTA_SECRET_KEY": "x",
        "WARTA_CACHE_STORAGE_URI": f"file://{tmp}/cache",
        "WARTA_TRUSTED_PROXIES": "1",
        "WARTA_SESSION_COOKIE_SECURE": "false",
        "WARTA_MIN_FILL_SECONDS": "0",
        "WARTA_RATELIMIT_ENABLED": "false",
    }
    flask(env, "db", "upgrade")
    flask(env, "admin", "create", ADMIN, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    with Gunicorn(env) as app, Nginx(app.url) as proxy:
        yield Stack(app, proxy, env, database)


# -- HTTP as a reader without cookies, and forms as a browser fills them --------------

ANONYMOUS = urllib.request.build_opener(NoRedirect())


def anonymous(url: str, headers: dict | None = None, method: str = "GET", data=None):
    """One request that carries no cookie and keeps none: (status, headers, text)."""
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with ANONYMOUS.open(request, timeout=30) as response:
            return response.status, response.headers, text_of(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, text_of(error)


def text_of(response) -> str:
    body = response.read()
    return body.decode() if not response.headers.get("Content-Encoding") else repr(body)


class Forms(HTMLParser):
    """Every form of a page: its attributes and its hidden inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[tuple[dict, dict]] = []
        self.inside = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append((attrs, {}))
            self.inside = True
        elif tag == "input" and self.inside and attrs.get("type") == "hidden" and "name" in attrs:
            self.forms[-1][1][attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def hidden_fields(html: str, form_id: str | None = None, action: str | None = None) -> dict:
    """The hidden inputs of the form with this id (or whose action ends with ``action``):
    csrf_token where the app still uses one, ts, parent, next..."""
    for attrs, fields in Forms(html).forms:
        if (form_id and attrs.get("id") == form_id) or (
            action and attrs.get("action", "").endswith(action)
        ):
            return fields
    raise AssertionError(f"no form {form_id or action!r} in the page")


def post_comment(stack: Stack, visitor: Visitor, text: str, email: str) -> int:
    """Post a top-level comment as a browser would, through nginx; returns its id."""
    url = stack.proxy.url + ARTICLE_PATH
    status, _, html = visitor.get(url)
    assert status == 200
    fields = hidden_fields(html, form_id="commentform")
    fields.update(comment=text, author="Pembaca Nginx", email=email, url="")
    status, headers, body = visitor.post(
        url + "/comments", fields, headers={"Origin": stack.proxy.url}
    )
    assert status == 303, f"comment post answered {status}: {body[:500]}"
    assert headers.get("X-Cache-Status") in (None, ""), "a POST went through the cache"
    return int(re.search(r"#comment-(\d+)", headers["Location"]).group(1))


def log_in(stack: Stack) -> Visitor:
    admin = Visitor()
    login = stack.proxy.url + "/admin/login"
    status, _, html = admin.get(login)
    assert status == 200
    fields = hidden_fields(html, action="/admin/login")
    fields.update(name=ADMIN, password=PASSWORD)
    status, headers, body = admin.post(login, fields, headers={"Origin": stack.proxy.url})
    assert status == 303, f"login answered {status}: {body[:500]}"
    return admin


def approve(stack: Stack, admin: Visitor, comment_id: int) -> None:
    status, _, html = admin.get(stack.proxy.url + "/admin/")
    assert status == 200
    action = f"/admin/comments/{comment_id}/approve"
    assert action in html, "the comment is not in the queue"
    fields = hidden_fields(html, form_id="bulk-form")
    status, _, body = admin.post(
        stack.proxy.url + action, fields, headers={"Origin": stack.proxy.url}
    )
    assert status == 303, f"approve answered {status}: {body[:500]}"


def unique(word: str) -> str:
    return f"{word}-{uuid.uuid4().hex[:10]}"


def describe(headers) -> str:
    """What decided a response's fate in the cache (cookies by name only)."""
    cookies = [c.split("=", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    return (
        f"X-Cache-Status={headers.get('X-Cache-Status')!r} "
        f"Cache-Control={headers.get('Cache-Control')!r} Set-Cookie={cookies}"
    )


# -- 1. anonymous readers share the cache ------------------------------------------------


def test_anonymous_readers_are_served_from_the_cache(stack):
    """A second anonymous GET is a HIT, and an analytics cookie neither bypasses the
    cache nor gets a copy of its own (a fresh _ga value each time: a split cache could
    not answer it with a HIT)."""
    url = stack.proxy.url + ARTICLE_PATH
    seen = []
    for attempt in range(10):
        status, headers, _ = anonymous(url)
        assert status == 200
        seen.append(describe(headers))
        if headers.get("X-Cache-Status") != "HIT":
            continue
        _, headers, _ = anonymous(url, {"Cookie": f"_ga=GA1.2.{attempt}.{time.time()}; consent=1"})
        seen.append("with _ga: " + describe(headers))
        if headers.get("X-Cache-Status") == "HIT":
            return
        # Just expired between the two requests: try again. Anything else is wrong.
        assert headers.get("X-Cache-Status") in CACHED, f"_ga bypassed or split: {seen}"
    pytest.fail("no HIT for anonymous readers:\n" + "\n".join(seen))


def test_htmx_fragments_and_pages_have_their_own_cache_entries(stack):
    """The key holds HX-Request (and HX-Boosted, HX-History-Restore-Request, which ask
    for a page): whichever shape is cached first, each request gets its own."""
    wants_page = [{}, {"HX-Request": "true", "HX-Boosted": "true"},
                  {"HX-Request": "true", "HX-History-Restore-Request": "true"}]
    for path in (f"{ARTICLE_PATH}/sections/1", f"{ARTICLE_PATH}/comments?page=1"):
        for _ in range(3):
            for headers in [{"HX-Request": "true"}, *wants_page]:
                status, response, body = anonymous(stack.proxy.url + path, headers)
                assert status == 200
                is_page = "<html" in body.lower()
                assert is_page == (headers in wants_page), (
                    f"{path} with {headers} answered a {'page' if is_page else 'fragment'} "
                    f"({describe(response)})"
                )


@pytest.mark.parametrize(
    ("cookie", "bypass"),
    [
        ("session=abc", True),
        ("__Host-session=abc", True),
        ("_ga=GA1.2.3; session=abc", True),
        ("_ga=GA1.2.3;session=abc; consent=1", True),
        ("_ga=GA1.2.3", False),
        ("_ga=GA1.2.3; consent=yes", False),
        ("mysession=abc", False),
        ("session_id=abc", False),
        ("Session=abc", False),
    ],
)
def test_only_wartas_session_cookie_bypasses_the_cache(stack, cookie, bypass):
    _, headers, _ = anonymous(stack.proxy.url + ARTICLE_PATH, {"Cookie": cookie})
    assert (headers.get("X-Cache-Status") == "BYPASS") == bypass, describe(headers)


def test_readers_get_the_last_page_while_the_app_is_down(stack):
    """proxy_cache_use_stale error: an expired copy is served when gunicorn is gone."""
    url_path = f"{ARTICLE_PATH}?sections=all"
    with Gunicorn(stack.env, workers=1) as app, Nginx(app.url) as proxy:
        for _ in range(5):
            status, headers, page = anonymous(proxy.url + url_path)
            if headers.get("X-Cache-Status") == "HIT":
                break
        assert headers.get("X-Cache-Status") == "HIT", describe(headers)
        app.stop()
        time.sleep(2.1)  # past s-maxage=1, in nginx's whole seconds
        status, headers, body = anonymous(proxy.url + url_path)
        assert status == 200, describe(headers)
        assert headers.get("X-Cache-Status") == "STALE"
        assert body == page


# -- 2. and 3. moderation shows through the cache ----------------------------------------


# nginx counts cache lifetimes in whole seconds: a copy stored with s-maxage=1 is fresh
# until the second after next, so up to 2 s; the first request after that still gets it
# (STALE) while the background update renders the new page. Under steady traffic every
# copy lives close to 2 s: an approval shows within 2 s plus one render, not within 2 s.
SHOWN_WITHIN = 2.5


def test_an_approval_shows_through_the_cache_within_two_seconds_and_a_render(stack):
    text = unique("Disetujui")
    cid = post_comment(stack, Visitor(), text, f"{unique('a')}@example.com")
    url = stack.proxy.url + ARTICLE_PATH
    for _ in range(2):  # the cache now holds the page without the comment, where it can
        assert text not in anonymous(url)[2]
    approve(stack, log_in(stack), cid)
    approved = time.monotonic()
    seen = []
    while time.monotonic() - approved < SHOWN_WITHIN:
        _, headers, body = anonymous(url)
        if text in body:
            return
        seen.append(headers.get("X-Cache-Status"))
        time.sleep(0.02)
    pytest.fail(f"the approved comment was not shown within {SHOWN_WITHIN} s: {seen}")


def test_a_held_comment_is_seen_by_its_commenter_and_nobody_else(stack):
    text = unique("Tertahan")
    commenter = Visitor()
    post_comment(stack, commenter, text, f"{unique('b')}@example.com")
    url = stack.proxy.url + ARTICLE_PATH
    assert text not in anonymous(url)[2]
    status, headers, body = commenter.get(url)
    assert status == 200
    assert headers.get("X-Cache-Status") == "BYPASS", describe(headers)
    assert text in body
    for _ in range(2):
        _, headers, body = anonymous(url)
        assert text not in body, describe(headers)


# -- 4. the admin --------------------------------------------------------------------------


def test_the_admin_works_through_nginx_and_is_never_cached(stack):
    """/admin has a location without a cache: no X-Cache-Status at all, logged in or
    not, and no key of the cache names it."""
    for _ in range(2):
        status, headers, body = anonymous(stack.proxy.url + "/admin/login")
        assert status == 200
        assert headers.get("X-Cache-Status") is None, describe(headers)
    admin = log_in(stack)
    for path in ("/admin", "/admin/", "/admin/?status=approved", "/admin/log", "/admin/login"):
        for _ in range(2):
            status, headers, body = admin.get(stack.proxy.url + path)
            assert status in (200, 302, 303, 308), (path, status)
            assert headers.get("X-Cache-Status") is None, (path, describe(headers))
    _, _, queue = admin.get(stack.proxy.url + "/admin/")
    assert ADMIN in queue  # logged in, through nginx
    # Anonymous, the queue is a redirect to the login page, never the admin's copy.
    status, headers, body = anonymous(stack.proxy.url + "/admin/")
    assert status in (302, 303) and ADMIN not in body
    assert not [key for key in stack.proxy.cache_keys() if "/admin" in key]


# -- 5. nothing personal is ever shared ----------------------------------------------------


def test_no_cached_response_carries_a_cookie_or_anyone_elses_data(stack):
    held = unique("Rahasia")
    commenter = Visitor()
    post_comment(stack, commenter, held, f"{unique('c')}@example.com")
    admin = log_in(stack)
    for visitor in (commenter, admin):
        for path, headers in READER_ROUTES:
            visitor.get(stack.proxy.url + path, headers=headers)
    assert held in commenter.get(stack.proxy.url + ARTICLE_PATH)[2]
    problems = []
    for _ in range(2):  # the second round is answered from the cache where it can be
        for path, headers in READER_ROUTES:
            status, response, body = anonymous(stack.proxy.url + path, headers)
            where = f"{path} {headers or ''} ({status}, {describe(response)})"
            if response.get("Set-Cookie"):
                problems.append(f"Set-Cookie on {where}")
            if held in body:
                problems.append(f"the held comment on {where}")
            if ADMIN in body:
                problems.append(f"the admin's name on {where}")
    for entry in stack.proxy.cache_entries():
        key = re.search(rb"\nKEY: ([^\n]*)", entry)
        name = key.group(1).decode() if key else "?"
        if b"\nset-cookie:" in entry.lower():
            problems.append(f"a stored response with Set-Cookie: {name}")
        if held.encode() in entry or ADMIN.encode() in entry:
            problems.append(f"a stored response with personal data: {name}")
    if problems:
        pytest.fail("\n".join(sorted(set(problems))))


# -- 6. static files -------------------------------------------------------------------------


def test_static_files_are_served_by_nginx_itself(stack):
    """The app's own /static/ links work with the upstream down: nginx reads the files."""
    _, _, page = anonymous(stack.proxy.url + ARTICLE_PATH)
    links = sorted(set(re.findall(r'(/static/[^"?\s]+\?v=[\w-]+)', page)))
    assert any(link.startswith("/static/css/warta.css?v=") for link in links), links
    with Nginx(f"http://127.0.0.1:{free_port()}") as alone:  # nothing listens there
        status, _, _ = anonymous(alone.url + ARTICLE_PATH)
        assert status == 502
        for link in links:
            status, headers, body = anonymous(alone.url + link)
            assert status == 200, link
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert body == (ROOT / link.split("?")[0].removeprefix("/")).read_text()
        status, headers, body = anonymous(alone.url + "/static/css/warta.css?v=x")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers.get("X-Cache-Status") is None
        status, headers, _ = anonymous(alone.url + "/static/css/warta.css")
        assert status == 200
        assert "immutable" not in headers["Cache-Control"]
        assert headers["Cache-Control"] == "public, max-age=3600"
        status, headers, _ = anonymous(
            alone.url + "/static/css/warta.css?v=x", {"Accept-Encoding": "gzip"}
        )
        assert headers.get("Content-Encoding") == "gzip"
        assert anonymous(alone.url + "/static/css/nothing.css")[0] == 404


# -- forwarded headers, TLS, limits ----------------------------------------------------------


SPOOFED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
}


def test_forwarded_headers_are_nginxs_own(stack):
    """The app sees nginx's client address, the server's name and port, and the scheme
    nginx was reached by, whatever the client claims (a Host's port included)."""
    for headers in (SPOOFED, {"Host": "127.0.0.1:6666"}, {}):
        # Werkzeug's redirect to the slashed URL is absolute, and nothing caches it.
        status, response, _ = anonymous(stack.proxy.url + "/admin", headers)
        assert status == 308
        assert response["Location"] == f"{stack.proxy.url}/admin/", headers
        feed = stack.proxy.url + f"{ARTICLE_PATH}/comments.atom"
        _, _, body = anonymous(feed, headers)
        assert re.search(r"<id>([^<]+)</id>", body).group(1) == feed, headers
    visitor = Visitor()
    visitor.opener.addheaders = list(SPOOFED.items())
    cid = post_comment(stack, visitor, unique("Alamat"), f"{unique('d')}@example.com")
    with sqlite3.connect(stack.database) as connection:
        (ip,) = connection.execute("SELECT ip FROM comments WHERE id = ?", (cid,)).fetchone()
    connection.close()
    assert ip == "127.0.0.0"  # 127.0.0.1, truncated to its /24


class Echo(BaseHTTPRequestHandler):
    """An upstream that answers with the request headers it got, as JSON; public and
    cacheable, and with a cookie under /set-cookie."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "public, max-age=0, s-maxage=60")
        if self.path.startswith("/set-cookie"):
            self.send_header("Set-Cookie", "session=abc; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def echo():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with Nginx(f"http://127.0.0.1:{server.server_port}") as proxy:
        yield proxy
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_the_upstream_sees_only_nginxs_forwarded_headers(echo):
    """Whatever a client sends, X-Forwarded-* are nginx's own; the body is asked for
    uncompressed (one cached copy for every client); keepalive, not Connection: close."""
    spoofed = {**SPOOFED, "X-Forwarded-Port": "1", "X-Forwarded-Prefix": "/x",
               "Forwarded": "for=203.0.113.7", "X-Real-IP": "203.0.113.7",
               "Accept-Encoding": "gzip", "Host": "127.0.0.1:6666"}
    _, _, body = anonymous(echo.url + "/echo", spoofed)
    seen = {name.lower(): value for name, value in json.loads(body).items()}
    host = f"127.0.0.1:{echo.port}"
    assert seen["host"] == seen["x-forwarded-host"] == host
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    for name in ("x-forwarded-port", "x-forwarded-prefix", "forwarded", "x-real-ip",
                 "accept-encoding", "connection"):
        assert name not in seen, (name, seen)


def test_no_response_that_sets_a_cookie_is_stored_and_admin_is_never_cached(echo):
    """Even when the upstream calls such a response public."""
    for path in ("/set-cookie", "/admin/", "/admin/login"):
        for _ in range(3):
            _, headers, _ = anonymous(echo.url + path)
            assert headers.get("X-Cache-Status") in (None, "MISS"), (path, describe(headers))
    assert anonymous(echo.url + "/public")[1]["X-Cache-Status"] == "MISS"
    assert anonymous(echo.url + "/public")[1]["X-Cache-Status"] == "HIT"  # the control
    assert not [k for k in echo.cache_keys() if "/admin" in k or "/set-cookie" in k]


def test_hsts_on_the_https_side_only(stack):
    """The shipped 443 lines, turned on with a self-signed certificate: HSTS there and
    not over plain HTTP (RFC 6797 7.2), and the app is told the scheme is https."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    over_tls = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), NoRedirect()
    )
    with Nginx(stack.app.url, tls=True) as proxy:
        for path in (ARTICLE_PATH, "/static/css/warta.css?v=x", "/admin"):
            try:
                with over_tls.open(proxy.tls_url + path, timeout=30) as response:
                    headers = response.headers
            except urllib.error.HTTPError as error:
                with error:
                    headers = error.headers
            assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
            assert anonymous(proxy.url + path)[1].get("Strict-Transport-Security") is None
            if path == "/admin":
                assert headers["Location"] == f"{proxy.tls_url}/admin/"


def test_other_hosts_are_refused(stack):
    """Only the server's name is answered (the app would write any other into its
    feed's URLs); nginx closes the connection without a response."""
    for host in ("evil.example", f"evil.example:{stack.proxy.port}", "127.0.0.2"):
        request = urllib.request.Request(stack.proxy.url + "/healthz", headers={"Host": host})
        try:
            with ANONYMOUS.open(request, timeout=10) as response:
                pytest.fail(f"Host {host!r} was answered: {response.status}")
        except urllib.error.HTTPError as error:
            error.close()
            pytest.fail(f"Host {host!r} was answered: {error.code}")
        except (OSError, http.client.HTTPException):
            pass  # closed without a response


def test_nginx_refuses_bodies_past_its_limit(stack):
    """300 KB at most reach the app (which refuses more than 256 KiB itself)."""
    url = stack.proxy.url + f"{ARTICLE_PATH}/comments"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": stack.proxy.url}
    status, _, body = anonymous(url, form, method="POST", data=b"c" * 400_000)
    assert status == 413
    assert "<center>nginx</center>" in body  # nginx's own page: the app never saw it
    status, _, body = anonymous(url, form, method="POST", data=b"c" * 280_000)
    assert status == 413
    assert "<center>nginx</center>" not in body  # the app's page
