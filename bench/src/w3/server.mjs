// A W3 server process: builds one framework × candidate app, listens on a free loopback port and reports
// it over IPC; answers 'stats' (store calls counted so far) and exits on 'stop'.
import { FRAMEWORKS } from './apps.mjs';

const { framework, candidate, engine, env } = JSON.parse(process.argv[2]);
const stats = { storeCalls: 0 };

async function main() {
  const build = FRAMEWORKS[framework];
  if (!build) throw new Error(`unknown framework ${framework}`);
  const server = await build({ candidate, engine, env, stats });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message) => {
    if (message === 'stats') process.send({ type: 'stats', stats });
    if (message === 'stop') {
      server.closeAllConnections?.();
      server.close();
      setTimeout(() => process.exit(0), 50).unref();
    }
  });
  process.send({ type: 'listening', port: server.address().port });
}

main().catch((error) => {
  process.send({ type: 'error', error: String(error?.stack ?? error).slice(0, 800) });
  setTimeout(() => process.exit(1), 50);
});
