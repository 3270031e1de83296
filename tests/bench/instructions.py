"""Instructions per request, counted by valgrind's callgrind: a measure of in-process
cost that does not depend on what else the machine is doing.

    .venv/bin/python tests/bench/instructions.py            # article, section, the limit
    .venv/bin/python tests/bench/instructions.py /articles/putin-kim-pakta-pertahanan

Seeds 200 comments as ``make bench`` does, then for each path runs the app in-process
under callgrind twice, with 0 and with 200 requests after the same warm-up (the garbage
collector off, hash seed fixed), and prints the difference per request. Requests carry
no cookies: every article view is a new visitor. ``/page`` is the stack's limit (the
minimal Flask view returning the same bytes). Needs Debian's ``valgrind``.
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
from run import ROOT, VENV_PYTHON, prepare_warta, warta_env  # noqa: E402

REQUESTS = 200
ARTICLE = "/articles/putin-kim-pakta-pertahanan"
DEFAULT_PATHS = [ARTICLE, f"{ARTICLE}/sections/3", "/page"]


def serve_in_process(path: str, requests: int) -> None:
    """Run inside callgrind: warm up, then ``requests`` more requests of ``path``."""
    import gc

    from werkzeug.test import EnvironBuilder

    sys.path.insert(0, str(ROOT))
    import wsgi

    app = wsgi.app
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


def count(path: str, requests: int, env: dict) -> int:
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
            "BASELINE_DB": str(folder / "baseline.sqlite3"),
        }
        for path in paths:
            extra = count(path, REQUESTS, env) - count(path, 0, env)
            print(f"{path:50} {extra // REQUESTS:>12,} instructions per request", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
