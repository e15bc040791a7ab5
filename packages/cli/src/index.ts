/**
 * The `sess` command line: `sess clearsessions`, `sess migrate`, `sess inspect <key>`, reading the app's
 * `Sessions` from `--config <file>` or `./sess.config.mjs`. `main()` is the whole program, for embedding.
 */
import { parseArgs } from 'node:util';
import { clearSessions, inspect, migrate, type Output } from './commands.js';
import { ConfigError, findConfig, loadSessions } from './config.js';

export { clearSessions, inspect, migrate, type Output } from './commands.js';
export { ConfigError, DEFAULT_CONFIG_FILES, findConfig, loadSessions } from './config.js';

export const USAGE = `Usage: sess <command> [options]

Commands:
  clearsessions        Delete expired sessions (run it from cron)
  migrate              Create the session table and its index if they do not exist
  inspect <key>        Print a session's decoded data and expiry

Options:
  -c, --config <file>  ES module whose default export is your Sessions
                       (default: ./sess.config.mjs, then ./sess.config.js)
      --json           inspect: print JSON
  -h, --help           Show this help`;

export interface MainOptions {
  cwd?: string;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

/** Runs the CLI with `argv` (without node and the script) and resolves the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io: Output = {
    out: options.stdout ?? ((line) => process.stdout.write(`${line}\n`)),
    err: options.stderr ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`sess: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (command === undefined && !values.help ? io.err : io.out)(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const expected = command === 'inspect' ? 1 : 0;
  if (!['clearsessions', 'migrate', 'inspect'].includes(command) || rest.length !== expected) {
    io.err(
      ['clearsessions', 'migrate', 'inspect'].includes(command)
        ? `sess ${command}: expected ${expected === 1 ? 'one session key' : 'no arguments'}\n\n${USAGE}`
        : `sess: unknown command '${command}'\n\n${USAGE}`,
    );
    return 2;
  }
  let sessions: Awaited<ReturnType<typeof loadSessions>>;
  try {
    sessions = await loadSessions(findConfig(values.config, options.cwd ?? process.cwd()));
  } catch (error) {
    io.err(`sess: ${error instanceof ConfigError ? error.message : describe(error)}`);
    return 1;
  }
  try {
    if (command === 'clearsessions') return await clearSessions(sessions, io);
    if (command === 'migrate') return await migrate(sessions, io);
    return await inspect(sessions, rest[0]!, values.json === true, io);
  } catch (error) {
    io.err(`sess ${command}: ${describe(error)}`);
    return 1;
  } finally {
    await sessions.close().catch(() => undefined);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
}
