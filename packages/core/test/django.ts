// Runs real Django (Debian's python3-django, through /usr/bin/python3) for interop tests.
import { execFileSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

const PRELUDE = `
import json, sys
import django
from django.conf import settings
settings.configure(SECRET_KEY=sys.argv[1], SECRET_KEY_FALLBACKS=json.loads(sys.argv[2]), INSTALLED_APPS=['django.contrib.sessions'], USE_TZ=True)
django.setup()
from django.core import signing
args = json.loads(sys.argv[3])
`;

/** Runs `body` (Python) with `args` bound, and returns what it printed as JSON. */
export function django<T = unknown>(
  body: string,
  args: unknown,
  secretKey: string,
  fallbacks: string[] = [],
): T {
  try {
    const out = execFileSync(
      PYTHON,
      ['-c', PRELUDE + body, secretKey, JSON.stringify(fallbacks), JSON.stringify(args)],
      {
        encoding: 'utf8',
      },
    );
    return JSON.parse(out) as T;
  } catch (error) {
    const e = error as { stderr?: string; code?: string };
    if (e.code === 'ENOENT' || /No module named 'django'/.test(e.stderr ?? '')) {
      throw new Error(
        "Django is missing: install it with 'apt-get install -y python3-django' (or run scripts/install-deps.sh)",
      );
    }
    throw new Error(`python failed: ${e.stderr ?? String(error)}`);
  }
}
