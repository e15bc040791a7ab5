"""Drives real Django (Debian's python3-django) against a database the Node tests share with it.

Usage: /usr/bin/python3 django_interop.py '<json request>'; prints one JSON line.
Request: {"db": {"engine": "sqlite", "name": path} | {"engine": "postgres", "host", "port", "user", "name"},
          "secret": SECRET_KEY, "action": ..., plus the action's fields}.
"""
import datetime
import json
import sys

import django
from django.conf import settings

req = json.loads(sys.argv[1])
db = req["db"]
if db["engine"] == "sqlite":
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": db["name"]}
else:
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": db["host"],
        "PORT": db["port"],
        "USER": db["user"],
        "NAME": db["name"],
    }
settings.configure(
    SECRET_KEY=req["secret"],
    INSTALLED_APPS=["django.contrib.sessions"],
    DATABASES={"default": database},
    USE_TZ=True,
    TIME_ZONE="UTC",
)
django.setup()

from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

action = req["action"]
out = {}
if action == "migrate":
    call_command("migrate", "sessions", verbosity=0)
elif action == "sqlmigrate":
    from io import StringIO

    buf = StringIO()
    call_command("sqlmigrate", "sessions", "0001", stdout=buf)
    out["sql"] = buf.getvalue()
elif action == "index_name":
    with connection.schema_editor() as editor:
        out["name"] = editor._create_index_name(req["table"], req["columns"], suffix=req.get("suffix", ""))
elif action == "write":
    s = SessionStore()
    for k, v in req["data"].items():
        s[k] = v
    if "expiry" in req:
        s.set_expiry(req["expiry"])
    s.save()
    out["key"] = s.session_key
elif action == "read":
    s = SessionStore(req["key"])
    out["data"] = dict(s.items())
    out["key_after"] = s.session_key
    if s.session_key:
        out["expiry"] = s.get_expiry_date().isoformat()
elif action == "update":
    s = SessionStore(req["key"])
    s.load()
    for k, v in req["data"].items():
        s[k] = v
    s.save()
elif action == "live_keys":
    # Django's own query: expire_date__gt=now.
    out["keys"] = sorted(Session.objects.filter(expire_date__gt=timezone.now()).values_list("session_key", flat=True))
elif action == "clear_expired":
    before = Session.objects.count()
    SessionStore.clear_expired()
    out["deleted"] = before - Session.objects.count()
elif action == "raw_rows":
    with connection.cursor() as c:
        c.execute("SELECT session_key, CAST(expire_date AS TEXT) FROM django_session ORDER BY session_key")
        out["rows"] = [list(r) for r in c.fetchall()]
elif action == "raw_data":
    with connection.cursor() as c:
        c.execute("SELECT session_key, session_data FROM django_session ORDER BY session_key")
        out["rows"] = [list(r) for r in c.fetchall()]
elif action == "now":
    out["now"] = datetime.datetime.now(datetime.timezone.utc).isoformat()
else:
    raise SystemExit("unknown action " + action)
print(json.dumps(out))
