"""gunicorn settings for ``make serve``: ``gunicorn -c python:webapp.gunicorn_conf wsgi:app``.

Every value can be changed through the environment (WARTA_BIND, WARTA_WORKERS, ...)."""

import multiprocessing
import os

bind = os.environ.get("WARTA_BIND", "127.0.0.1:8000")
# Sync workers: requests are short and CPU-bound; two per core keeps the cores busy
# while one worker waits on the database.
workers = int(os.environ.get("WARTA_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = int(os.environ.get("WARTA_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that no slow leak can grow for ever.
max_requests = 20_000
max_requests_jitter = 2_000
accesslog = os.environ.get("WARTA_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("WARTA_FORWARDED_ALLOW_IPS", "127.0.0.1")
