"""The stack's limit: a minimal Flask view under the same gunicorn settings as Warta.

``/page`` returns fixed bytes: Warta's article page as Warta served it, read from the
file named by BASELINE_PAGE. Whatever Warta does beyond this is the price of its own
work: finding the article, its comments, rendering, headers."""

import os

from flask import Flask

app = Flask(__name__)
PAGE = open(os.environ["BASELINE_PAGE"], "rb").read()  # noqa: SIM115


@app.get("/page")
def page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
