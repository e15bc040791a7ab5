/** `pnpm demo` runs this: start the demo, print where it is, stop cleanly on Ctrl-C. */
import { startDemo } from './demo.js';

const demo = await startDemo();
if (demo.insecureKey) {
  console.warn(
    'WARNING: SECRET_KEY is not set; using the built-in DEVELOPMENT key, which is public. Set SECRET_KEY to a long random value for anything but trying the demo.',
  );
}
console.log(`sess demo (engine: ${process.env.SESS_ENGINE ?? 'sqlite'}) listening on ${demo.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    demo.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
