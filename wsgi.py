"""WSGI entry point: ``flask --app wsgi ...`` and ``gunicorn wsgi:app``."""

from app import create_app
from app.serving import tune_process

app = create_app()
tune_process()
