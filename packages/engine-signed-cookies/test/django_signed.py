"""Drives Django's signed_cookies session engine for the interop tests: a JSON command in argv[1], JSON out."""
import json
import sys

import django
from django.conf import settings

command = json.loads(sys.argv[1])
settings.configure(
    SECRET_KEY=command["secret"],
    INSTALLED_APPS=["django.contrib.sessions"],
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    SESSION_COOKIE_AGE=command.get("cookie_age", 1209600),
    USE_TZ=True,
)
django.setup()

from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.core import signing  # noqa: E402

action = command["action"]
if action == "make":
    # Made fresh on every call: the timestamp inside is now.
    store = SessionStore()
    store.update(command["data"])
    store.save()
    print(json.dumps({"key": store.session_key}))
elif action == "load":
    store = SessionStore(command["key"])
    data = store.load()
    print(json.dumps({"data": data}))
elif action == "dumps":
    print(json.dumps({"value": signing.dumps(command["data"], compress=True)}))
