/** Builds the demo from environment settings and starts it on a loopback port. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sessions, type SessionsOptions } from '@sess/core';
import { createDemoApp } from './app.js';
import { engineFromEnv } from './engines.js';

/** Only for trying the demo on your machine: anyone who knows it can forge sessions. */
export const DEV_SECRET_KEY = 'sess-demo-INSECURE-development-secret-key-change-me';

export interface RunningDemo {
  url: string;
  sessions: Sessions;
  server: Server;
  /** True when no SECRET_KEY was given and the development key is in use. */
  insecureKey: boolean;
  close(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/**
 * Settings: SESS_ENGINE (sqlite | memory | file | signed-cookies | redis | postgres), SECRET_KEY,
 * PORT (default 3000; 0 picks a free one), HOST (default 127.0.0.1), SESS_COOKIE_SAMESITE (Lax).
 */
export async function startDemo(env: Env = process.env): Promise<RunningDemo> {
  const engine = await engineFromEnv(env);
  const secretKey = env.SECRET_KEY || DEV_SECRET_KEY;
  const sameSite = (env.SESS_COOKIE_SAMESITE ?? 'Lax') as NonNullable<SessionsOptions['cookieSameSite']>;
  const sessions = new Sessions({ engine: engine.engine, secretKey, cookieSameSite: sameSite });
  const app = createDemoApp({ sessions, engine });
  const server = createServer(app);
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 3000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/`,
    sessions,
    server,
    insecureKey: secretKey === DEV_SECRET_KEY,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sessions.close();
      await engine.close?.();
    },
  };
}
