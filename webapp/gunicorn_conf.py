"""gunicorn settings for ``make serve``: ``gunicorn -c python:webapp.gunicorn_conf wsgi:app``.

Every value can be changed through the environment (WARTA_BIND, WARTA_WORKERS, ...)."""

import multiprocessing
import os

# Loopback only: sync workers are each held by one slow client, so the world reaches
# them through nginx (deploy/nginx.conf), which buffers whole requests first.
bind = os.environ.get("WARTA_BIND", "127.0.0.1:8000")
# Sync workers: requests are short and CPU-bound; two per core keeps the cores busy
# while one worker waits on the database.
workers = int(os.environ.get("WARTA_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = int(os.environ.get("WARTA_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# What a request may hold: a URL and headers of ordinary size (gunicorn's defaults,
# stated), few headers, and the app's own MAX_CONTENT_LENGTH for bodies.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Restart workers now and then so that no slow leak can grow for ever.
max_requests = 20_000
max_requests_jitter = 2_000
accesslog = os.environ.get("WARTA_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("WARTA_FORWARDED_ALLOW_IPS", "127.0.0.1")
