import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
# Many small requests, each repeating the same statements: prepared statements pay off here
# (see DATABASES in settings.py; the worker leaves them off).
os.environ.setdefault("SHOUWANG_DB_PREPARED_STATEMENTS", "true")
application = get_wsgi_application()
