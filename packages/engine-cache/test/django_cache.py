"""Django's own cache session engine, driven by django-interop.test.ts.

usage: /usr/bin/python3 django_cache.py <redis|memcached> <location> <command> [args]
  write <json>            new session holding the data; prints {"key"}
  read <key>              prints {"exists", "data", "expiry_age"}
  update <key> <json>     loads the session, adds the data, saves; prints {"ok"} or {"error"}
  hold-update <key> <json>  loads the session, prints {"loaded"}, waits for a line on stdin, then adds
                          the data and saves (a request that outlives a logout elsewhere)
  delete <key>            deletes the session
"""
import json
import sys

import django
from django.conf import settings

backend, location, command, *args = sys.argv[1:]
CACHES = {
    # Django 3.2 has no built-in Redis cache; django-redis is what Django sites use (default serializer: pickle).
    'redis': {'BACKEND': 'django_redis.cache.RedisCache', 'LOCATION': location},
    'memcached': {'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache', 'LOCATION': location},
}
settings.configure(
    SECRET_KEY='engine-cache-test-secret-key-0123456789-abcdefghijklmnopqrstuv',
    INSTALLED_APPS=['django.contrib.sessions'],
    SESSION_ENGINE='django.contrib.sessions.backends.cache',
    CACHES={'default': CACHES[backend]},
)
django.setup()

from django.contrib.sessions.backends.base import UpdateError  # noqa: E402
from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402

if command == 'write':
    session = SessionStore()
    session.update(json.loads(args[0]))
    session.save()
    print(json.dumps({'key': session.session_key}))
elif command == 'read':
    session = SessionStore(args[0])
    data = dict(session.items())
    print(json.dumps({'exists': session.exists(args[0]), 'data': data, 'expiry_age': session.get_expiry_age()}))
elif command == 'update':
    session = SessionStore(args[0])
    session.update(json.loads(args[1]))
    try:
        session.save()
        print(json.dumps({'ok': True}))
    except UpdateError:
        print(json.dumps({'error': 'UpdateError'}))
elif command == 'hold-update':
    session = SessionStore(args[0])
    print(json.dumps({'loaded': dict(session.items())}), flush=True)
    sys.stdin.readline()
    session.update(json.loads(args[1]))
    try:
        session.save()
        print(json.dumps({'ok': True}))
    except UpdateError:
        print(json.dumps({'error': 'UpdateError'}))
elif command == 'delete':
    SessionStore(args[0]).delete()
    print(json.dumps({'ok': True}))
else:
    sys.exit(f'unknown command {command}')
