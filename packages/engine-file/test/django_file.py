"""Drives Django's file session engine for the interop tests: one JSON command in argv[1], JSON out."""
import datetime
import json
import os
import sys

import django
from django.conf import settings

command = json.loads(sys.argv[1])
settings.configure(
    SECRET_KEY=command["secret"],
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends.file",
    SESSION_FILE_PATH=command["dir"],
    SESSION_COOKIE_NAME=command.get("cookie_name", "sessionid"),
    SESSION_COOKIE_AGE=command.get("cookie_age", 1209600),
    USE_TZ=True,
)
django.setup()

from django.contrib.sessions.backends.file import SessionStore  # noqa: E402


def expiry_of(store):
    return store.get_expiry_date().isoformat()


action = command["action"]
if action == "create":
    store = SessionStore()
    store.update(command["data"])
    if "expiry_seconds" in command:
        store.set_expiry(command["expiry_seconds"])
    if "expiry_date" in command:
        store.set_expiry(datetime.datetime.fromisoformat(command["expiry_date"]))
    store.create()
    print(json.dumps({"key": store.session_key, "expiry": expiry_of(store)}))
elif action == "load":
    store = SessionStore(command["key"])
    data = store.load()
    print(json.dumps({"data": data, "key": store.session_key, "exists": store.exists(command["key"]), "expiry": expiry_of(store) if data else None}))
elif action == "update":
    store = SessionStore(command["key"])
    store.load()
    store.update(command["data"])
    store.save()
    print(json.dumps({"key": store.session_key}))
elif action == "clear":
    SessionStore.clear_expired()
    print(json.dumps({"files": sorted(os.listdir(command["dir"]))}))
