import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = dirname(here);

/** A fresh directory for one test file, removed after it. */
export function tempDir(prefix = 'sess-file-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface WorkerOptions {
  /** Run the worker as this user (and group): how a root test still meets real permission errors. */
  uid?: number;
  /** RLIMIT_FSIZE for the worker, in KiB (bash's `ulimit -f`): writes past it fail with EFBIG. */
  fileSizeLimitKiB?: number;
}

export interface Worker {
  child: ChildProcess;
  /** Parsed JSON lines printed so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves once a printed line satisfies `test`. */
  waitFor(test: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts test/fixtures/worker.ts in a separate Node process, from source, through tsx. */
export function spawnWorker(command: Record<string, unknown>, options: WorkerOptions = {}): Worker {
  const args = ['--import', 'tsx', join(here, 'fixtures', 'worker.ts'), JSON.stringify(command)];
  const env = {
    ...process.env,
    TSX_TSCONFIG_PATH: join(here, 'fixtures', 'tsconfig.json'),
    // tsx's transform cache would itself be written under a file-size limit.
    TSX_DISABLE_CACHE: '1',
  };
  const child =
    options.fileSizeLimitKiB === undefined
      ? spawn(process.execPath, args, {
          cwd: packageDir,
          env,
          ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
        })
      : spawn(
          'bash',
          ['-c', `ulimit -f ${options.fileSizeLimitKiB} && exec "$0" "$@"`, process.execPath, ...args],
          {
            cwd: packageDir,
            env,
          },
        );
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    test: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, at)) as Record<string, unknown>;
      buffer = buffer.slice(at + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    },
  );
  return {
    child,
    lines,
    exited,
    waitFor(test) {
      const found = lines.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        exited.then(
          ({ code, stderr: err }) =>
            reject(new Error(`worker exited (${code}) before the awaited line: ${err}`)),
          reject,
        );
      });
    },
  };
}

/** The worker's last line, after a clean exit. */
export async function result(worker: Worker): Promise<Record<string, unknown>> {
  const { code, stderr } = await worker.exited;
  if (code !== 0)
    throw new Error(`worker failed (${code}): ${stderr}\n${JSON.stringify(worker.lines.at(-1))}`);
  const last = worker.lines.at(-1);
  if (!last) throw new Error(`worker printed nothing: ${stderr}`);
  return last;
}
