"""The compiled catalogs are committed and in step with their .po files, so that every
way of installing Warta serves Indonesian, with no `make` step to compile them first."""

from __future__ import annotations

import gettext
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import babel
import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "webapp" / "translations"
PO_FILES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
RECOMPILE = "recompile with `make translations` and commit the .mo with its .po"
ARTICLE = "putin-kim-pakta-pertahanan"


def compile_po(po: Path, out: Path) -> bytes:
    """What `pybabel compile -d webapp/translations` writes for ``po``: fuzzy entries
    left out, the catalog read with its folder's locale."""
    with po.open("rb") as infile:
        catalog = read_po(infile, locale=po.parent.parent.name)
    # pybabel compile skips a catalog whose header is fuzzy, leaving the old .mo behind.
    assert not catalog.fuzzy, f"{po}: the header is marked fuzzy, so pybabel skips it"
    with out.open("wb") as outfile:
        write_mo(outfile, catalog, use_fuzzy=False)
    return out.read_bytes()


def headers(mo: bytes) -> dict[str, str]:
    """The header as gettext reads it, every field's text as written."""
    return gettext.GNUTranslations(io.BytesIO(mo)).info()


def messages(mo: bytes) -> dict:
    """Every translation in ``mo``: (context, msgid) to msgstr, plural forms as tuples."""
    def key(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(m.context, key(m.id)): key(m.string) for m in read_mo(io.BytesIO(mo)) if m.id}


def test_every_catalog_has_its_compiled_file():
    assert {p.parent.parent.name for p in PO_FILES} >= {"id", "en"}
    compiled = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.mo"))
    assert [p.with_suffix(".mo") for p in PO_FILES] == compiled, RECOMPILE


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.parent.parent.name)
def test_compiled_catalog_matches_its_po(po, tmp_path):
    """Compiling the .po again gives the committed .mo. Byte for byte when the .mo was
    made by this Babel version; otherwise everything gettext reads (every message and
    header field) except the "Generated-By: Babel x.y.z" stamp, the one thing another
    Babel version writes differently (2.18.0 and 2.19.0 differ only there)."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: {RECOMPILE}"
    committed = mo.read_bytes()
    fresh = compile_po(po, tmp_path / "messages.mo")

    assert messages(committed) == messages(fresh), f"{mo} lags {po.name}: {RECOMPILE}"
    committed_headers, fresh_headers = headers(committed), headers(fresh)
    stamp = committed_headers.pop("generated-by", None)
    assert fresh_headers.pop("generated-by") == f"Babel {babel.__version__}"
    assert committed_headers == fresh_headers, f"{mo}'s header lags {po.name}: {RECOMPILE}"
    if stamp == f"Babel {babel.__version__}" and sys.byteorder == "little":
        assert committed == fresh, f"{mo} differs from what pybabel writes: {RECOMPILE}"


def clean_environment(tmp_path: Path, clone: Path) -> dict[str, str]:
    """The developer's environment without any WARTA_* setting, the database in
    ``tmp_path`` and the clone first on the import path."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("WARTA_")}
    env.update({
        "WARTA_SECRET_KEY": "clean-clone-secret",
        "WARTA_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'warta.sqlite3'}",
        "WARTA_CACHE_STORAGE_URI": f"file://{tmp_path / 'cache'}",
        "PYTHONPATH": str(clone),
    })
    return env


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        assert response.status == 200
        return response.read().decode()


def test_a_clean_clone_serves_indonesian_without_make(tmp_path):
    """Only committed files, no `make`: migrate, start gunicorn, read the article."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(ROOT), str(clone)], cwd=tmp_path, env=dict(os.environ))
    env = clean_environment(tmp_path, clone)

    # PYTHONPATH alone (run from elsewhere) puts the clone's webapp ahead of the
    # editable install's; gunicorn and flask also put their working directory first.
    where = run([sys.executable, "-c", "import webapp, wsgi; print(webapp.__file__, wsgi.__file__)"],
                cwd=tmp_path, env=env).split()
    assert where == [str(clone / "webapp" / "__init__.py"), str(clone / "wsgi.py")]

    run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=clone, env=env)

    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=clone, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.time() + 30
        while True:
            try:
                page = get(f"http://127.0.0.1:{port}/articles/{ARTICLE}")
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    pytest.fail(f"gunicorn did not serve the article:\n{log.read_text()}")
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert "Tinggalkan Balasan" in page
    assert "Leave a Reply" not in page
