"""The reverse-mentoring Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from mentoring import access, errors, limits, observability, security
from mentoring.config import config_class
from mentoring.database import configure_engine
from mentoring.extensions import csrf, db, login_manager, migrate

# Installed from the wheel the templates sit in the package; in a checkout, in the top-level templates/ folder.
_PACKAGED_TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATES = _PACKAGED_TEMPLATES if _PACKAGED_TEMPLATES.is_dir() else _PACKAGED_TEMPLATES.parent.parent / "templates"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config: str | dict | None = None) -> Flask:
    """Build the app; `config` is a config name or a dict of overrides (tests); never touches the schema."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    overrides = config if isinstance(config, dict) else {}
    name = overrides.get("CONFIG") or (config if isinstance(config, str) else None)
    chosen = config_class(name)
    settings = chosen.from_environment(Path(app.instance_path))
    settings.update(overrides)
    chosen.check(settings)
    app.config.update(settings)
    observability.init_app(app)  # first: a request id and its log line for every request, even a refused one

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.url_map.converters["id"] = access.IdConverter

    security.init_app(app)
    limits.init_app(app)  # after security: its checks run once the request's person is known
    errors.init_app(app)
    _register_blueprints(app)

    from mentoring.cli import register_commands
    from mentoring.tasks import register_tasks

    register_tasks(app)
    register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from mentoring.account import bp as account_bp
    from mentoring.auth import bp as auth_bp
    from mentoring.health import bp as health_bp
    from mentoring.leaders import bp as leaders_bp
    from mentoring.main import bp as main_bp
    from mentoring.mentors import bp as mentors_bp
    from mentoring.programme import bp as programme_bp
    from mentoring.sessions import bp as sessions_bp

    for blueprint in (main_bp, auth_bp, account_bp, mentors_bp, leaders_bp, programme_bp, sessions_bp, health_bp):
        app.register_blueprint(blueprint)
