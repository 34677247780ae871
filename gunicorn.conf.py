"""gunicorn settings for the site: `gunicorn 'mentoring:create_app()'` run from this folder reads them.

Every request is short (matching, publishing and mail run on the job queue), so a worker busy for 30 s is stuck
and is replaced. Each setting can be overridden on the command line; the environment sets the usual ones.
"""

import multiprocessing
import os

# Where to listen: behind a reverse proxy on the same host keep 127.0.0.1; in a container use 0.0.0.0:8000.
bind = [address.strip() for address in os.environ.get("BIND", "127.0.0.1:8000").split(",") if address.strip()]

# Processes per instance (WEB_CONCURRENCY, as most platforms set it); each holds its own database pool.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)

# A request that takes 30 s is a bug, not work: the worker is killed and restarted (the request answers 502).
timeout = 30
# On a restart or a deploy (SIGHUP / SIGTERM) a worker finishes the requests it holds for up to 30 s.
graceful_timeout = 30
# Idle keep-alive connections from the proxy are closed after 5 s.
keepalive = 5
# Recycle each worker after about 1,000 requests (jitter: not all at once), so slow leaks never pile up.
max_requests = 1000
max_requests_jitter = 100
# The app is built in each worker, after the fork: no database connection is shared between processes.
preload_app = False

# Logs go to stderr: one line per request in the access log and the server's own events in the error log.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "mentoring"
# No gunicornc control socket (gunicorn 25+): two instances on one host would share its default path.
# Restart gracefully with signals instead: HUP reloads the workers, TERM stops after graceful_timeout.
control_socket_disable = True
