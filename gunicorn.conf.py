"""gunicorn settings for the site: `gunicorn 'mentoring:create_app()'` run from this folder reads them.

Every request is short (matching, publishing and mail run on the job queue), so a worker busy for 30 s is stuck
and is replaced. Each setting can be overridden on the command line; the environment sets the usual ones.
"""

import importlib.util
import multiprocessing
import os
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from gunicorn import glogging

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

# Logs go to stderr, one line per event in LOG_FORMAT (text or json) like the app's own lines: the access log
# writes the request line (with the app's request id and person id), so the app does not (LOG_REQUESTS=0).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "mentoring"
os.environ["LOG_REQUESTS"] = "0"


def _load_log_lines() -> ModuleType:
    """mentoring/log_lines.py loaded by its path: importing the `mentoring` package here, in the master,
    would keep its code loaded, and a HUP would then start workers on the old code."""
    package = importlib.util.find_spec("mentoring")
    location = Path(next(iter(package.submodule_search_locations))) / "log_lines.py"
    spec = importlib.util.spec_from_file_location("mentoring_log_lines", location)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_log_lines = _load_log_lines()
_LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()


class LineLogger(glogging.Logger):
    """gunicorn's error and access logs as one line per event, in the app's LOG_FORMAT."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's handlers, with the app's line format."""
        super().setup(cfg)
        formatter = _log_lines.LineFormatter(_LOG_FORMAT)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def access(self, resp: Any, req: Any, environ: dict, request_time: timedelta) -> None:
        """The request line, with the request id and person id the app left in the WSGI environ."""
        status = getattr(resp, "status_code", None) or str(resp.status).split(" ", 1)[0]
        self.access_log.info(
            "request",
            extra={
                "request_id": environ.get("mentoring.request_id"),
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "status": int(status),
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "person_id": environ.get("mentoring.person_id"),
            },
        )


logger_class = LineLogger
# No gunicornc control socket (gunicorn 25+): two instances on one host would share its default path.
# Restart gracefully with signals instead: HUP reloads the workers, TERM stops after graceful_timeout.
control_socket_disable = True
