// Spawning servers, waiting until they are ready, stopping them, and making sure none outlives its owner:
// every server's PID is written to a pidfile (with the owning process's PID); a later start reaps servers
// whose owner died without stopping them, and this process kills its own on exit and on SIGINT/SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The folder holding one pidfile per running server: `os.tmpdir()/sess-test-servers/`. */
export function pidfileDir(): string {
  return join(tmpdir(), 'sess-test-servers');
}

interface PidRecord {
  name: string;
  pid: number;
  pidStart: string | null;
  owner: number;
  ownerStart: string | null;
  command: string;
  tmpDirs: string[];
  startedAt: string;
}

// ---------------------------------------------------------------------------------------------- /proc

function procStat(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ..." — comm may contain spaces and parentheses, so split after the last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The kernel's start time of `pid` (clock ticks since boot), to tell a PID from a reused one. */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.[19] ?? null;
}

/** Whether `pid` is a live process (zombies count as dead), and the same one that started at `startTime`. */
export function isProcessAlive(pid: number, startTime?: string | null): boolean {
  if (!isRealPid(pid)) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (!stat) return true; // no /proc here: signal 0 is all we know
  if (stat[0] === 'Z' || stat[0] === 'X') return false;
  if (startTime && stat[19] !== startTime) return false;
  return true;
}

/** A single real process (never 0, -1 or a group: kill() would hit many processes). */
function isRealPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 1;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGKILL a server and its process group (servers are spawned detached, so each leads its own group). */
function killHard(pid: number): void {
  if (!isRealPid(pid) || pid === process.pid) return;
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
}

function removeDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
    } catch {
      // best effort; a reaper removes it later
    }
  }
}

// ------------------------------------------------------------------------------------------ pidfiles

function writePidfile(record: PidRecord): string {
  const dir = pidfileDir();
  if (mkdirSync(dir, { recursive: true }) !== undefined) {
    // shared by every user's test runs on this machine, like /tmp itself
    try {
      chmodSync(dir, 0o1777);
    } catch {
      // made by someone else meanwhile
    }
  }
  const file = join(dir, `${record.name}-${record.pid}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(record));
  renameSync(temp, file);
  return file;
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function isPidRecord(value: unknown): value is PidRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.pid === 'number' &&
    isRealPid(r.pid) &&
    typeof r.owner === 'number' &&
    isRealPid(r.owner) &&
    Array.isArray(r.tmpDirs) &&
    r.tmpDirs.every((d) => typeof d === 'string' && d.startsWith(tmpdir()) && d.includes('sess-'))
  );
}

/**
 * Kills (SIGKILL) every recorded server whose owning process is dead — the leftovers of a crashed run —
 * removes their temp dirs and pidfiles, and returns their PIDs. Servers of live owners (other test
 * processes running now) are left alone. Runs before every start.
 */
export async function reapOrphans(): Promise<number[]> {
  const dir = pidfileDir();
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  const killed: { pid: number; start: string | null }[] = [];
  for (const name of files) {
    const file = join(dir, name);
    if (!name.endsWith('.json')) {
      // a temp file of a writer that died between write and rename
      try {
        if (Date.now() - statSync(file).mtimeMs > 60_000) removeFile(file);
      } catch {
        // gone
      }
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (!isPidRecord(record)) {
      removeFile(file);
      continue;
    }
    if (record.owner === process.pid || isProcessAlive(record.owner, record.ownerStart)) continue;
    if (isProcessAlive(record.pid, record.pidStart)) {
      killHard(record.pid);
      killed.push({ pid: record.pid, start: record.pidStart });
    }
    removeDirs(record.tmpDirs);
    removeFile(file);
  }
  // Wait (briefly) until they are really gone, so their ports and files are free.
  const deadline = Date.now() + 3000;
  while (killed.some((k) => isProcessAlive(k.pid, k.start)) && Date.now() < deadline) await sleep(10);
  return killed.map((k) => k.pid);
}

// ----------------------------------------------------------------------- this process's live children

interface LiveEntry {
  pid: number;
  pidfile: string | undefined;
  tmpDirs: readonly string[];
}

const live = new Map<number, LiveEntry>();
let hooksInstalled = false;

/** Kills every server this process started, synchronously (used on exit and on SIGINT/SIGTERM/SIGHUP). */
export function killAllSync(): void {
  for (const entry of live.values()) {
    killHard(entry.pid);
    if (entry.pidfile) removeFile(entry.pidfile);
  }
  for (const entry of live.values()) removeDirs(entry.tmpDirs);
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAllSync();
      // If nobody else handles the signal, keep its default meaning: terminate.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

// ------------------------------------------------------------------------------------------ errors

const ADDRESS_IN_USE = /address already in use|EADDRINUSE|bind on tcp\/ip port/i;

/** A server that did not come up: exited early, or not ready in time. `output` is its output's tail. */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output ? `${message}\n--- last output ---\n${output}` : message);
    this.name = 'ServerStartError';
  }

  /** True when the port was taken (the caller retries on a fresh port). */
  get addressInUse(): boolean {
    return ADDRESS_IN_USE.test(this.output);
  }
}

/**
 * Calls `attempt(port)` until it does not fail with "address in use": with fresh free ports, or (for a
 * fixed port, e.g. a restart) with the same port after a short pause, in case a stranger's free-port probe
 * held it for a moment.
 */
export async function withPortRetry<T>(
  getPort: () => Promise<number>,
  attempt: (port: number) => Promise<T>,
  { tries = 5, pauseMs = 0 }: { tries?: number; pauseMs?: number } = {},
): Promise<T> {
  for (let i = 1; ; i++) {
    const port = await getPort();
    try {
      return await attempt(port);
    } catch (error) {
      if (i >= tries || !(error instanceof ServerStartError) || !error.addressInUse) throw error;
      if (pauseMs > 0) await sleep(pauseMs);
    }
  }
}

/** `withPortRetry` for a port that must stay the same. */
export function withFixedPortRetry<T>(port: number, attempt: (port: number) => Promise<T>): Promise<T> {
  return withPortRetry(() => Promise.resolve(port), attempt, { tries: 5, pauseMs: 200 });
}

// ---------------------------------------------------------------------------------------- output tail

class OutputTail {
  private lines: string[] = [];
  private partial = new Map<string, string>();
  private listeners: ((line: string) => void)[] = [];

  constructor(private readonly max = 80) {}

  push(stream: string, chunk: Buffer): void {
    const text = (this.partial.get(stream) ?? '') + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial.set(stream, parts.pop() ?? '');
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    for (const listener of this.listeners) listener(line);
  }

  onLine(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  text(): string {
    const rest = [...this.partial.values()].filter((s) => s.length > 0);
    return [...this.lines, ...rest].join('\n').trim();
  }
}

// --------------------------------------------------------------------------------------- temp dirs

/** A fresh temp dir under os.tmpdir(), optionally handed to another user (postgres as root). */
export function makeTempDir(prefix: string, owner?: { uid: number; gid: number }): string {
  const dir = mkdtempSync(join(tmpdir(), `sess-${prefix}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}

// ------------------------------------------------------------------------------------------ spawning

/** Where and as whom a server or helper command runs. */
export interface SpawnTarget {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

export interface SpawnServerOptions extends SpawnTarget {
  /** Short name, used in pidfiles and messages ('redis', 'postgres'…). */
  name: string;
  command: string;
  args: readonly string[];
  /** Removed when the server stops (or is reaped). */
  tmpDirs?: readonly string[];
  /** Ready when a line of stdout/stderr matches. */
  readyLine?: RegExp;
  /** Ready when this resolves true (polled every 25 ms), after `readyLine` if both are given. */
  readyCheck?: (pid: number) => Promise<boolean>;
  timeoutMs: number;
  /** The graceful stop signal: SIGTERM by default (postgres wants SIGINT: fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

/** A running server process. */
export class ServerProcess {
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly pid: number,
    private readonly tail: OutputTail,
    private readonly stopSignal: NodeJS.Signals,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.exitInfo = { code: child.exitCode, signal: child.signalCode };
        resolve();
        return;
      }
      child.once('exit', (code, sig) => {
        this.exitInfo = { code, signal: sig };
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get exitDescription(): string {
    if (!this.exitInfo) return 'running';
    return this.exitInfo.signal
      ? `killed by ${this.exitInfo.signal}`
      : `exited with code ${this.exitInfo.code}`;
  }

  /** The last lines the server printed. */
  output(): string {
    return this.tail.text();
  }

  /** Graceful stop; SIGKILL (with its process group) after `timeoutMs`. Resolves once the process is gone. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    signal(this.pid, this.stopSignal);
    const timer = setTimeout(() => {
      if (this.running) killHard(this.pid);
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate SIGKILL of the server and its process group. */
  async kill(): Promise<void> {
    if (!this.running) return;
    killHard(this.pid);
    await this.exited;
  }
}

/** Spawns `command` in its own process group (so killHard reaches its children), its output into `tail`. */
function spawnDetached(
  command: string,
  args: readonly string[],
  options: SpawnTarget,
  tail: OutputTail,
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? tmpdir(),
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  child.stdout?.on('data', (chunk: Buffer) => tail.push('stdout', chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push('stderr', chunk));
  return child;
}

/**
 * Spawns a server (detached, in its own process group), records its pidfile, and resolves once it is
 * ready. If it exits first or is not ready within `timeoutMs`, it is killed and a `ServerStartError` with
 * the tail of its output is thrown.
 */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  installHooks();
  const tmpDirs = options.tmpDirs ?? [];
  const tail = new OutputTail();
  const child = spawnDetached(options.command, options.args, options, tail);

  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) {
    const error = await spawnError;
    removeDirs(tmpDirs);
    throw new ServerStartError(`${options.name}: could not spawn ${options.command}: ${error.message}`, '');
  }

  const pidfile = writePidfile({
    name: options.name,
    pid,
    pidStart: processStartTime(pid),
    owner: process.pid,
    ownerStart: processStartTime(process.pid),
    command: basename(options.command),
    tmpDirs: [...tmpDirs],
    startedAt: new Date().toISOString(),
  });
  live.set(pid, { pid, pidfile, tmpDirs });
  const server = new ServerProcess(options.name, child, pid, tail, options.stopSignal ?? 'SIGTERM');
  // However it ends (stopped, crashed, killed), forget it and clean up after it.
  void server.exited.then(() => {
    live.delete(pid);
    removeFile(pidfile);
    removeDirs(tmpDirs);
  });

  let timedOut = false;
  const timeout = sleep(options.timeoutMs, undefined, { ref: false }).then(() => {
    timedOut = true;
  });
  const exited = server.exited;

  const fail = async (message: string): Promise<never> => {
    await server.kill();
    throw new ServerStartError(`${options.name} (${basename(options.command)}): ${message}`, server.output());
  };

  if (options.readyLine) {
    const readyLine = options.readyLine;
    const lineSeen = new Promise<void>((resolve) => {
      if (readyLine.test(tail.text())) resolve();
      tail.onLine((line) => {
        if (readyLine.test(line)) resolve();
      });
    });
    const outcome = await Promise.race([
      lineSeen.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      timeout.then(() => 'timeout' as const),
      spawnError.then(() => 'error' as const),
    ]);
    if (outcome === 'exited' || outcome === 'error') {
      return fail(`${server.exitDescription} before it was ready`);
    }
    if (outcome === 'timeout')
      return fail(`not ready after ${options.timeoutMs} ms (waited for ${readyLine})`);
  }
  if (options.readyCheck) {
    for (;;) {
      if (!server.running) return fail(`${server.exitDescription} before it was ready`);
      if (timedOut) return fail(`not ready after ${options.timeoutMs} ms`);
      let ready = false;
      try {
        ready = await options.readyCheck(pid);
      } catch {
        ready = false;
      }
      if (ready && server.running) break;
      await sleep(25);
    }
  }
  if (!server.running) return fail(`${server.exitDescription} right after it was ready`);
  // A server must not keep the test process alive: the exit hook kills whatever was not stopped.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    if (stream && 'unref' in stream && typeof stream.unref === 'function') stream.unref();
  }
  return server;
}

// ------------------------------------------------------------------------------------------ commands

/** Runs a short-lived helper (initdb, mariadb-install-db…) to completion; throws with its output tail. */
export async function runCommand(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnTarget & { timeoutMs?: number } = {},
): Promise<string> {
  installHooks();
  const tail = new OutputTail(200);
  const child = spawnDetached(command, args, options, tail);
  const pid = child.pid;
  if (pid !== undefined) live.set(pid, { pid, pidfile: undefined, tmpDirs: [] });
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const result = await new Promise<{ code: number | null; sig: NodeJS.Signals | null }>(
      (resolve, reject) => {
        const timer = setTimeout(() => {
          if (pid !== undefined) killHard(pid);
          reject(
            new ServerStartError(
              `${name}: ${basename(command)} did not finish in ${timeoutMs} ms`,
              tail.text(),
            ),
          );
        }, timeoutMs);
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(new ServerStartError(`${name}: could not run ${command}: ${error.message}`, tail.text()));
        });
        child.once('close', (code, sig) => {
          clearTimeout(timer);
          resolve({ code, sig });
        });
      },
    );
    if (result.code !== 0) {
      const how = result.sig ? `was killed by ${result.sig}` : `exited with code ${result.code}`;
      throw new ServerStartError(`${name}: ${basename(command)} ${how}`, tail.text());
    }
    return tail.text();
  } finally {
    if (pid !== undefined) live.delete(pid);
  }
}

// ---------------------------------------------------------------------------------------------- freezing

/**
 * Freezes a process (SIGSTOP) and resolves once every one of its threads has stopped. `kill` returns when
 * the signal is sent, not when it has been taken: until then a thread woken by a request still answers it
 * (seen in about one try in ten on a busy machine), and a test of a frozen server would see a reply.
 */
async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const giveUp = performance.now() + 5_000;
  while (!allThreadsStopped(pid)) {
    if (performance.now() > giveUp) {
      process.kill(pid, 'SIGCONT');
      throw new Error(`process ${pid} has not stopped 5 s after SIGSTOP`);
    }
    await sleep(1);
  }
}

/** Runs `during` while `pid` is frozen (see `freeze`), and lets it go on (SIGCONT) whatever happens. */
export async function whileFrozen<T>(pid: number, during: () => Promise<T>): Promise<T> {
  await freeze(pid);
  try {
    return await during();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** Whether every thread of `pid` is in the stopped state ('T' in `/proc/<pid>/task/<tid>/stat`). */
function allThreadsStopped(pid: number): boolean {
  return readdirSync(`/proc/${pid}/task`).every((tid) => {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      return true; // the thread has exited since the listing: it runs nothing
    }
    // "tid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ')'.
    return stat[stat.lastIndexOf(')') + 2] === 'T';
  });
}
