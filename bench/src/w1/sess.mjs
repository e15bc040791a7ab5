// W1 through sess's `Session`, the way application code uses it:
// open(key) → load → set → save; a new session is open() → update(data) → save().
import { Sessions } from '@sess/core';
import { quietLogger, SECRET_KEY } from '../lib/data.mjs';

export function sessRunner(engine, options = {}) {
  const sessions = new Sessions({ engine, secretKey: SECRET_KEY, logger: quietLogger, ...options });
  return {
    sessions,
    async create(data) {
      const session = sessions.open();
      session.update(data);
      await session.save();
      return session.sessionKey;
    },
    async roundtrip(key) {
      const session = sessions.open(key);
      await session.load();
      session.set('counter', session.get('counter') + 1);
      await session.save();
    },
    async read(key) {
      const session = sessions.open(key);
      await session.load();
      return session.get('counter');
    },
    close: () => sessions.close(),
  };
}
