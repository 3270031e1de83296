"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi``."""

import gc

from webapp import create_app

app = create_app()
# Everything made so far lives as long as the worker: keep it out of the garbage
# collector's full scans.
gc.freeze()
