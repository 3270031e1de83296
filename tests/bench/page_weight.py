"""Measure the first view of the article: HTML + CSS + JavaScript, gzip-compressed.

Run: .venv/bin/python tests/bench/page_weight.py   (no server needed; uses the test client)
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402

BUDGET = 30 * 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/w.sqlite3",
                          "SECRET_KEY": "bench", "SESSION_COOKIE_SECURE": False})
        with app.app_context():
            db.create_all()
        client = app.test_client()
        slug = app.config["WARTA_HOME_ARTICLE"]
        html = client.get(f"/articles/{slug}").get_data()
        parts = {"article HTML": html}
        for url in re.findall(rb'(?:href|src)="(/static/[^"]+)"', html):
            with client.get(url.decode()) as response:
                parts[url.decode().split("?")[0]] = response.get_data()
        total_raw = total_gz = 0
        print(f"{'resource':45} {'bytes':>8} {'gzip':>8}")
        for name, data in parts.items():
            packed = len(gzip.compress(data, compresslevel=6))
            total_raw += len(data)
            total_gz += packed
            print(f"{name:45} {len(data):8d} {packed:8d}")
        print(f"{'total':45} {total_raw:8d} {total_gz:8d}  (budget {BUDGET}, "
              f"{'within' if total_gz <= BUDGET else 'OVER'})")
        foreign = re.findall(rb'(?:href|src)="(https?:)?//', html)
        print("requests leaving the origin:", len(foreign))
        return 0 if total_gz <= BUDGET and not foreign else 1


if __name__ == "__main__":
    raise SystemExit(main())
