"""Instructions per request, counted by valgrind's callgrind: a measure of in-process
cost that does not depend on what else the machine is doing.

    .venv/bin/python tests/bench/instructions.py            # article, section, the limit
    .venv/bin/python tests/bench/instructions.py /articles/putin-kim-pakta-pertahanan
    .venv/bin/python tests/bench/instructions.py POST   # a comment post, as make bench sends it

Seeds 200 comments as ``make bench`` does, then for each path runs the app in-process
under callgrind twice, with 0 and with 200 requests after the same warm-up (the garbage
collector off, hash seed fixed), and prints the difference per request. Requests carry
no cookies: every article view is a new visitor. ``/page`` is the stack's limit (the
minimal Flask view returning the same bytes). ``POST`` posts a comment as ``make bench``
does (the form's hidden fields as one visitor's page carries them, new text each time,
rate limits and the minimum fill time off), each count on its own copy of the database. Needs Debian's
``valgrind``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from run import ROOT, VENV_PYTHON, form_fields, prepare_warta, warta_env  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

REQUESTS = 200
ARTICLE = "/articles/putin-kim-pakta-pertahanan"
DEFAULT_PATHS = [ARTICLE, f"{ARTICLE}/sections/3", "/page", "POST"]


def posts(app):
    """Endless comment posts from one visitor, as tests/bench/post.lua sends them."""
    from werkzeug.test import Client

    client = Client(app)
    fields = form_fields(client.get(ARTICLE).get_data())
    cookie = client.get_cookie("session")  # none for a reader without personal state
    headers = {"Cookie": f"session={cookie.value}"} if cookie else {}
    client = None
    number = 0
    while True:
        number += 1
        data = {**fields, "comment": f"bench-{number} komentar uji beban",
                "author": "Penguji", "email": "penguji@example.com"}
        yield EnvironBuilder(path=f"{ARTICLE}/comments", method="POST", data=data,
                             headers=headers).get_environ()


def serve_in_process(path: str, requests: int) -> None:
    """Run inside callgrind: warm up, then ``requests`` more requests of ``path``."""
    import gc

    sys.path.insert(0, str(ROOT))
    import wsgi

    app = wsgi.app
    if path == "POST":
        environs = posts(app)
        statuses = []
        for _ in range(20):
            b"".join(app(next(environs), lambda status, *args: statuses.append(status)))
        assert set(statuses) == {"303 SEE OTHER"}, statuses  # every post stored
        gc.freeze()
        gc.disable()
        for _ in range(requests):
            b"".join(app(next(environs), lambda *args: None))
        return
    environ = EnvironBuilder(path=ARTICLE).get_environ()
    page = b"".join(app(environ, lambda *args: None))
    if path == "/page":
        Path(os.environ["BASELINE_PAGE"]).write_bytes(page)
        import baseline_app

        app = baseline_app.app
    headers = {"HX-Request": "true"} if "/sections/" in path else {}
    environ = EnvironBuilder(path=path, headers=headers).get_environ()
    for _ in range(20):
        b"".join(app(dict(environ), lambda *args: None))
    gc.freeze()
    gc.disable()
    for _ in range(requests):
        b"".join(app(dict(environ), lambda *args: None))


def count(path: str, requests: int, env: dict, folder: Path) -> int:
    if path == "POST":  # each count posts into its own copy of the 200-comment database
        copy = folder / f"posting-{requests}.sqlite3"
        shutil.copyfile(folder / "warta.sqlite3", copy)
        env = {**env, **warta_env(folder, posting=True),
               "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        str(VENV_PYTHON),
        __file__,
        "--inside",
        path,
        str(requests),
    ]
    output = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    return int(re.search(r"Collected : (\d+)", output).group(1))


def main() -> int:
    if sys.argv[1:2] == ["--inside"]:
        serve_in_process(sys.argv[2], int(sys.argv[3]))
        return 0
    if not shutil.which("valgrind"):
        sys.exit("valgrind is missing: apt-get install valgrind")
    paths = sys.argv[1:] or DEFAULT_PATHS
    with tempfile.TemporaryDirectory(prefix="warta-instructions-") as tmp:
        folder = Path(tmp)
        prepare_warta(folder, 200)
        env = {
            **warta_env(folder),
            "BASELINE_PAGE": str(folder / "page.html"),
        }
        for path in paths:
            extra = count(path, REQUESTS, env, folder) - count(path, 0, env, folder)
            print(f"{path:50} {extra // REQUESTS:>12,} instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
