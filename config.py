"""Configuration classes for Ruwo.

Precedence, lowest first: the class passed to ``create_app`` < ``instance/config.py`` <
the environment: ``DATABASE_URL``, ``SECRET_KEY`` and ``RUWO_<KEY>`` for any key below
(``RUWO_LOCKOUT_MINUTES=15``, ``RUWO_DEMO_PASSWORD=...``; values are parsed as JSON when
they can be). Nothing here reads the environment: ``create_app`` applies it, so importing
this module has no side effects.
"""

from __future__ import annotations

from datetime import timedelta


class Config:
    """Defaults shared by every environment (development-safe)."""

    ENV_NAME = "development"

    #: None means "generate one into instance/secret_key on first run".
    SECRET_KEY: str | None = None
    #: Refuse to start without SECRET_KEY (from the environment or instance/config.py) rather
    #: than generate one: several app servers must all sign sessions and CSRF tokens with one key.
    SECRET_KEY_REQUIRED = False
    #: None means SQLite at instance/ruwo.sqlite3.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Sessions (SECURITY.md §2): a sliding 30-minute idle timeout, a 12-hour cap,
    # no remember-me cookie. The cookie is not Secure here: development and tests
    # run on plain http://127.0.0.1.
    SESSION_COOKIE_NAME = "ruwo_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_ABSOLUTE_HOURS = 12

    # Login failures: lock the account after this many, for this long.
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 30

    #: argon2id cost (argon2-cffi defaults: t=3, m=64 MiB, p=4; ASVS floor m >= 46 MiB).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    #: Password given to demo accounts when neither --password nor RUWO_DEMO_PASSWORD is set.
    DEMO_PASSWORD = "Ruwo-demo-2026"

    # Flask-WTF: a token lasts the whole session rather than a fixed hour, because a form
    # on a phone may stay open through a long wait; the session itself still expires.
    WTF_CSRF_TIME_LIMIT = None

    #: Checklist templates: the folder (None = surveys/ beside app/) and the default key.
    SURVEYS_PATH: str | None = None
    SURVEY_DEFAULT = "window-visit"

    #: Where photo, evidence and export files are kept: "folder" (UPLOADS_PATH and EXPORTS_PATH,
    #: in instance/ by default) or "s3", a bucket of any S3-compatible object store (several app
    #: servers then share the files; needs the s3 extra, boto3). Objects stay private: the app
    #: streams each file after its own access check.
    STORAGE_BACKEND = "folder"
    #: The store's address ("" = AWS itself), bucket, region, and a folder under which photos go
    #: to <prefix>/uploads/ and exports to <prefix>/exports/ (in S3_EXPORTS_BUCKET if set). Empty
    #: keys: boto3's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, an instance role).
    S3_ENDPOINT_URL = ""
    S3_BUCKET = ""
    S3_EXPORTS_BUCKET = ""
    S3_PREFIX = ""
    S3_REGION = ""
    S3_ACCESS_KEY_ID = ""
    S3_SECRET_ACCESS_KEY = ""
    #: Where pg_dump and pg_restore are (`flask backup` and `flask restore` on PostgreSQL);
    #: "" = the newest /usr/lib/postgresql/*/bin, else PATH.
    PG_BIN = ""
    #: Photo files (None = instance/uploads).
    UPLOADS_PATH: str | None = None

    #: The job queue: "" = SQLite at instance/jobs.sqlite3 (make run starts a worker beside the
    #: server), "redis://host:6379/0" in production, "memory" for one process only.
    JOBS_URL = ""
    #: Run jobs at once in the caller instead of queueing them (tests).
    JOBS_IMMEDIATE = False
    #: Files that background exports produce (None = instance/exports), and how long they stay.
    EXPORTS_PATH: str | None = None
    EXPORT_TTL_HOURS = 24
    #: Per export kind, the most rows made within the request (see app/exports/kinds.py).
    EXPORT_INLINE_LIMITS: dict[str, int] = {}

    #: The app's address as users reach it (links in e-mails and WeCom posts), e.g.
    #: "https://ruwo.example.gov.cn"; empty: messages carry no link.
    PUBLIC_URL = ""
    #: Reminders: this many working days before a deadline; the leader is asked to confirm an
    #: admonition talk (约谈) and a circular (通报) at these working days overdue.
    REMIND_BEFORE_WORKING_DAYS = 3
    ESCALATION_PROPOSALS = [5, 10]
    #: E-mail notifications (each user chooses them): SMTP server, sender, "starttls" | "ssl" |
    #: "none", and a login if the server needs one. No server: e-mails wait, and are retried.
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_SENDER = "ruwo@localhost"
    MAIL_TLS = "starttls"
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""

    #: The leaders' dashboard figures are computed at most once a minute per filter (and per
    #: process with SimpleCache; use "RedisCache" with CACHE_REDIS_URL to share them).
    CACHE_TYPE = "SimpleCache"
    CACHE_DEFAULT_TIMEOUT = 60
    #: Scripts and stylesheets are sent minified (app/static_files.py); False sends them as written.
    MINIFY_STATIC = True

    # Rate limits of login attempts (Flask-Limiter); the lockout itself is in the database.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ADDRESS = "20 per minute"
    LOGIN_LIMIT_PER_USERNAME = "5 per minute"

    #: Refused requests (403, 404 on others' objects) audited per user and minute (SECURITY.md §6.28).
    AUDIT_DENIALS_PER_MINUTE = 10
    #: `flask audit purge` removes audit rows older than this (SECURITY.md §6.29: 365; the law's
    #: floor is 180 days), keeping an anchor so that the rest still verifies.
    AUDIT_RETENTION_DAYS = 365
    #: `flask photos purge` removes the files of visit photos older than this many days (the rows
    #: stay, marked purged); None keeps photos until --older-than-days is given.
    PHOTO_RETENTION_DAYS: int | None = None

    #: TEST ONLY (the crash test, tests/test_crash.py): "visit.submit" kills the worker process
    #: right after a submit's commit and before its response, every FAULT_KILL_EVERY-th time in
    #: each worker (RUWO_FAULT_KILL_AFTER_COMMIT=visit.submit). The visit UUID is appended to
    #: instance/faults.log first, so the test can tell the re-sent submit was answered from the
    #: idempotent path. Empty (the default) turns it off; never set it in production.
    FAULT_KILL_AFTER_COMMIT = ""
    FAULT_KILL_EVERY = 5

    # Request limits (SECURITY.md §2).
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    #: JSON bodies of the phone's API (a whole draft is a few kilobytes).
    JSON_MAX_BYTES = 256 * 1024
    JSON_MAX_DEPTH = 16

    # Languages: Chinese unless the user chose English. Accept-Language is not consulted.
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans": "中文", "en": "English"}
    LANG_COOKIE = "lang"

    # Security headers (Flask-Talisman). HTTPS redirects belong to the reverse proxy.
    FORCE_HTTPS = False
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0


class DevelopmentConfig(Config):
    """`make run` on http://127.0.0.1 with SQLite in instance/."""


class TestingConfig(Config):
    """Pytest: fast hashes, no CSRF on the test client, an explicit key."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    JOBS_IMMEDIATE = True
    CACHE_TYPE = "NullCache"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    """Behind HTTPS (a reverse proxy) on PostgreSQL."""

    ENV_NAME = "production"
    SECRET_KEY_REQUIRED = True
    SESSION_COOKIE_NAME = "__Host-ruwo_session"
    SESSION_COOKIE_SECURE = True
    PROXY_COUNT = 1


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
