"""The hostile-input corpus: what people and robots send that no form invited.

Each case says what to send and which answers are right. ``stores`` says whether a new
comment row may result (hostile *text* in a valid comment is legitimate content: it is
stored and shown escaped; anything else must leave the database as it was)."""

from __future__ import annotations

from dataclasses import dataclass, field

ARTICLE = "putin-kim-pakta-pertahanan"
POST = f"/articles/{ARTICLE}/comments"


@dataclass(frozen=True)
class Case:
    name: str
    method: str = "GET"
    path: str = f"/articles/{ARTICLE}"
    form: dict | None = None  # merged over a valid comment (with a fresh CSRF token)
    body: bytes | None = None  # sent as is (with the content type below)
    content_type: str | None = None
    headers: dict = field(default_factory=dict)
    expect: frozenset = frozenset({200})
    stores: bool = False


def statuses(*codes: int) -> frozenset:
    return frozenset(codes)


# Text that tries to become markup, script, template code, or to confuse the eye.
HOSTILE_TEXT = {
    "script tag": "<script>alert(document.cookie)</script>",
    "img onerror": '"><img src=x onerror=alert(1)>',
    "svg onload": "<svg/onload=alert(1)>",
    "htmx attributes": '<div hx-get="/admin/" hx-trigger="load" hx-target="body">x</div>',
    "htmx partial": '<hx-partial hx-target="body" hx-swap="innerHTML">owned</hx-partial>',
    "javascript link": "[klik](javascript:alert(1)) javascript:alert(1)",
    "data url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "jinja": "{{ config.SECRET_KEY }} {% for x in () %}{% endfor %}",
    "sql": "'; DROP TABLE comments; --",
    "rtl override": "abc\u202egnp.exe",
    "zero width": "a\u200bd\u200cm\u200di\u2060n",
    "nul bytes": "nul\x00byte\x00",
    "control characters": "bell\x07 escape\x1b[31m form\x0c feed",
    "crlf header": "x\r\nSet-Cookie: session=evil",
    "emoji and combining": "👩🏽‍💻 e\u0301 Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǒ̴̟̾",
    "long word": "a" * 4000,
    "entities": "&lt;script&gt; &#60;b&#62; &amp;amp;",
    "unicode email lookalike": "pembaca@examp1e.com ＜script＞",
}

# Values for the one-line fields that must be refused.
BAD_EMAILS = ["not-an-email", "a@b", "@example.com", "a@@example.com", "a b@example.com",
              "<script>@example.com", "a@example.com\r\nBcc: x@example.com", "x" * 300 + "@example.com",
              "a@exa mple.com", "javascript:alert(1)"]
BAD_URLS = ["http://[::1", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x",
            "vbscript:msgbox(1)", "ftp://example.com/", "file:///etc/passwd", "//evil.example/",
            "http://", "https://" + "a" * 300 + ".example", "mailto:x@example.com", "http:/x"]
BAD_PARENTS = ["-1", "0", "1.5", "abc", "99999999999999999999", "1 OR 1=1", "<script>", "\x00", "9999",
               "\u00b2", "\u2460", "\u0661", "1" * 5000]


def form_cases() -> list[Case]:
    cases = []
    for label, text in HOSTILE_TEXT.items():
        stored = text.replace("\x00", "").strip() != ""
        cases.append(Case(f"comment: {label}", "POST", POST, form={"comment": text},
                          expect=statuses(303), stores=stored))
        cases.append(Case(f"author: {label}", "POST", POST, form={"author": text[:100]},
                          expect=statuses(303), stores=True))
        cases.append(Case(f"url path: {label}", "POST", POST,
                          form={"url": "https://example.org/" + text[:150]},
                          expect=statuses(303, 422), stores=True))
    for value in BAD_EMAILS:
        cases.append(Case(f"email: {value[:30]!r}", "POST", POST, form={"email": value},
                          expect=statuses(422)))
    for value in BAD_URLS:
        cases.append(Case(f"url: {value[:30]!r}", "POST", POST, form={"url": value},
                          expect=statuses(422)))
    for value in BAD_PARENTS:
        cases.append(Case(f"parent: {value!r}", "POST", POST, form={"parent": value},
                          expect=statuses(422)))
    for name in ("comment", "author", "email"):
        for value in ("", " ", "\x00", "\u200b", "\t\n\r"):
            cases.append(Case(f"{name} empty-ish {value!r}", "POST", POST, form={name: value},
                              expect=statuses(422)))
    cases += [
        Case("comment 5001 characters", "POST", POST, form={"comment": "x" * 5001}, expect=statuses(422)),
        Case("author 101 characters", "POST", POST, form={"author": "n" * 101}, expect=statuses(422)),
        Case("remember with junk", "POST", POST, form={"remember": "<script>"}, expect=statuses(303), stores=True),
        Case("honeypot filled", "POST", POST, form={"fax": "+1 555 0100"}, expect=statuses(303), stores=True),
        Case("timestamp forged", "POST", POST, form={"ts": "9999999999999.abc"}, expect=statuses(303), stores=True),
        Case("timestamp huge", "POST", POST, form={"ts": "9" * 400}, expect=statuses(303), stores=True),
        Case("inline flag junk", "POST", POST, form={"inline": "<b>"}, expect=statuses(303), stores=True),
        Case("field repeated", "POST", POST, body=None, form={"comment": ["satu", "dua"]},
             expect=statuses(303), stores=True),
        Case("a stray csrf token is ignored", "POST", POST, form={"csrf_token": "x" * 5000},
             expect=statuses(303), stores=True),
        Case("Sec-Fetch-Site cross-site", "POST", POST, form={}, headers={"Sec-Fetch-Site": "cross-site"},
             expect=statuses(403)),
        Case("Sec-Fetch-Site same-site", "POST", POST, form={}, headers={"Sec-Fetch-Site": "same-site"},
             expect=statuses(403)),
        Case("Sec-Fetch-Site junk", "POST", POST, form={}, headers={"Sec-Fetch-Site": "\u00e9" * 50},
             expect=statuses(403)),
        Case("Origin of another site", "POST", POST, form={}, headers={"Origin": "https://evil.example"},
             expect=statuses(403)),
        Case("Origin null", "POST", POST, form={}, headers={"Origin": "null"}, expect=statuses(403)),
        Case("Origin unparsable", "POST", POST, form={}, headers={"Origin": "http://[::1"},
             expect=statuses(403)),
        Case("Origin of this site", "POST", POST, form={}, headers={"Origin": "http://localhost"},
             expect=statuses(303), stores=True),
        Case("Sec-Fetch-Site same-origin", "POST", POST, form={}, headers={"Sec-Fetch-Site": "same-origin"},
             expect=statuses(303), stores=True),
        Case("cross-site with a bad parent", "POST", POST, form={"parent": "abc"},
             headers={"Sec-Fetch-Site": "cross-site"}, expect=statuses(403)),
    ]
    return cases


def query_cases() -> list[Case]:
    pages = ["0", "-1", "-99999", "1e3", "abc", "99999999999999999999999", "%00", "%FF", "1;DROP",
             "<script>", "2.5", "", " 1", "%C2%B2", "%E2%91%A0", "1" * 5000]
    cases = [Case(f"comments page {p!r}", path=f"/articles/{ARTICLE}/comments?page={p}",
                  expect=statuses(200, 404)) for p in pages]
    cases += [Case(f"htmx comments page {p!r}", path=f"/articles/{ARTICLE}/comments?page={p}",
                   headers={"HX-Request": "true"}, expect=statuses(200, 404)) for p in pages[:6]]
    cases += [Case(f"replytocom {v!r}", path=f"/articles/{ARTICLE}?replytocom={v}", expect=statuses(200))
              for v in ("-1", "abc", "99999999999999999999", "%00", "1%20OR%201=1", "<script>",
                        "%C2%B2", "%E2%91%A0", "1" * 5000)]
    cases += [Case(f"sections {v!r}", path=f"/articles/{ARTICLE}?sections={v}", expect=statuses(200))
              for v in ("all", "ALL", "<script>", "%00", "1,2,3")]
    cases += [Case(f"login next {v!r}", path=f"/admin/login?next={v}", expect=statuses(200))
              for v in ("https://evil.example", "//evil.example", "javascript:alert(1)", "%0d%0aX:y")]
    cases += [Case("many parameters", path=f"/articles/{ARTICLE}?" + "&".join(f"a{i}=b" for i in range(500)))]
    return cases


def path_cases() -> list[Case]:
    slugs = ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 3000, "%FF%FE", "<script>", "ARTICLE", "putin%20kim",
             "Ƥutin", "'", "%2e%2e", "con", ".md"]
    cases = [Case(f"slug {s[:20]!r}", path=f"/articles/{s}", expect=statuses(404)) for s in slugs]
    cases += [Case(f"section {n!r}", path=f"/articles/{ARTICLE}/sections/{n}", expect=statuses(404))
              for n in ("0", "6", "-1", "1.5", "99999999999999999999", "x", "%00", "1%2F2")]
    cases += [Case(f"htmx section {n!r}", path=f"/articles/{ARTICLE}/sections/{n}",
                   headers={"HX-Request": "true"}, expect=statuses(404)) for n in ("0", "6", "x")]
    cases += [Case(f"reply to {n!r}", path=f"/articles/{ARTICLE}/comments/{n}/reply",
                   headers={"HX-Request": "true"}, expect=statuses(404))
              for n in ("0", "-1", "999999", "99999999999999999999", "abc")]
    cases += [Case(f"admin action {a!r}", "POST", f"/admin/comments/1/{a}", expect=statuses(302))
              for a in ("approve", "nuke", "%00", "<script>")]
    cases += [Case(f"unknown path {p!r}", path=p, expect=statuses(404))
              for p in ("/wp-admin/", "/.env", "/static/../webapp/config.py", "/static/%2e%2e/wsgi.py",
                        "/articles/", "/admin/../instance/secret_key")]
    cases.append(Case("doubled slash", path="/articles//comments", expect=statuses(308, 404)))
    return cases


def header_cases() -> list[Case]:
    cases = [
        Case("Host evil", headers={"Host": "evil.example"}),
        Case("Host with port junk", headers={"Host": "127.0.0.1:99999"}),
        Case("X-Forwarded-For spoofed", headers={"X-Forwarded-For": "1.2.3.4, 5.6.7.8"}),
        Case("X-Forwarded-For junk", headers={"X-Forwarded-For": "<script>, ::::, 999.1.1.1"}),
        Case("X-Forwarded-Host evil", headers={"X-Forwarded-Host": "evil.example"}),
        Case("Cookie junk", headers={"Cookie": "session=not-a-session; x=%FF"}),
        Case("Cookie huge", headers={"Cookie": "session=" + "a" * 8000}),
        Case("If-None-Match junk", headers={"If-None-Match": '"x", W/"y", *, junk'}),
        Case("If-Modified-Since junk", path=f"/articles/{ARTICLE}/comments.atom",
             headers={"If-Modified-Since": "yesterday"}),
        Case("Accept-Language junk", headers={"Accept-Language": "xx-YY;q=abc, *;q=2"}),
        Case("Range", headers={"Range": "bytes=0-10,20-"}),
        Case("HX-Request odd value", headers={"HX-Request": "maybe"}),
        Case("HX-Current-URL evil", headers={"HX-Request": "true", "HX-Current-URL": "javascript:alert(1)"},
             path=f"/articles/{ARTICLE}/sections/1"),
        Case("HX-Boosted on fragment", path=f"/articles/{ARTICLE}/sections/1",
             headers={"HX-Request": "true", "HX-Boosted": "true"}),
        Case("Content-Type json", "POST", POST, body=b'{"comment": "x"}', content_type="application/json",
             expect=statuses(422)),
        Case("Content-Type text", "POST", POST, body=b"comment=x", content_type="text/plain",
             expect=statuses(422)),
        Case("Content-Type multipart garbage", "POST", POST, body=b"--x\r\n\r\n",
             content_type="multipart/form-data; boundary=x", expect=statuses(422)),
        Case("Content-Type multipart no boundary", "POST", POST, body=b"abc",
             content_type="multipart/form-data", expect=statuses(422)),
        Case("Content-Type xml", "POST", POST, body=b"<!DOCTYPE x [<!ENTITY y SYSTEM 'file:///etc/passwd'>]>",
             content_type="application/xml", expect=statuses(422)),
        Case("form body invalid utf-8", "POST", POST, body=b"comment=%FF%FE%FA&author=%C0%AF&email=a%40example.com",
             content_type="application/x-www-form-urlencoded", expect=statuses(303), stores=True),
        Case("form body raw bytes", "POST", POST, body=b"\xff\xfe\x00\x01=\x80",
             content_type="application/x-www-form-urlencoded", expect=statuses(422)),
    ]
    return cases


def method_cases() -> list[Case]:
    cases = []
    for method in ("PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"):
        cases.append(Case(f"{method} article", method, f"/articles/{ARTICLE}", expect=statuses(405)))
        cases.append(Case(f"{method} comments", method, POST, expect=statuses(405)))
    cases += [
        Case("GET on the post-only logout", "GET", "/admin/logout", expect=statuses(405)),
        Case("POST on a section", "POST", f"/articles/{ARTICLE}/sections/1", expect=statuses(405)),
        Case("POST on the feed", "POST", f"/articles/{ARTICLE}/comments.atom", expect=statuses(405)),
        Case("HEAD article", "HEAD", f"/articles/{ARTICLE}"),
        Case("OPTIONS article", "OPTIONS", f"/articles/{ARTICLE}"),
    ]
    return cases


def body_cases() -> list[Case]:
    return [
        Case("1 MB comment", "POST", POST, form={"comment": "x" * 1_000_000}, expect=statuses(413)),
        Case("10 MB body", "POST", POST, body=b"comment=" + b"x" * 10_000_000,
             content_type="application/x-www-form-urlencoded", expect=statuses(413)),
        Case("1 MB login", "POST", "/admin/login", body=b"name=" + b"x" * 1_000_000,
             content_type="application/x-www-form-urlencoded", expect=statuses(413)),
        Case("10,000 fields", "POST", POST, body="&".join(f"f{i}=v" for i in range(10_000)).encode(),
             content_type="application/x-www-form-urlencoded", expect=statuses(413, 422)),
    ]


def all_cases() -> list[Case]:
    return form_cases() + query_cases() + path_cases() + header_cases() + method_cases() + body_cases()
