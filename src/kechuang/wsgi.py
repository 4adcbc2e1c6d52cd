"""WSGI entry point, served by gunicorn (``kechuang serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
application = get_wsgi_application()
