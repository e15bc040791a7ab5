// Child processes of the harness: each measurement runs in a fresh Node process (optionally pinned to a
// CPU with taskset) that prints one JSON line; a child that hangs is killed at its deadline.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let tasksetPath;
/** The taskset binary, or null where it is not installed (then nothing is pinned). */
export function taskset() {
  if (tasksetPath === undefined) {
    try {
      tasksetPath = execFileSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || null;
    } catch {
      tasksetPath = null;
    }
  }
  return tasksetPath;
}

export function cpuCount() {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    return 1;
  }
}

/** Pins a running process (all its threads) to `cpu`; a no-op without taskset. */
export function pinProcess(pid, cpu) {
  const bin = taskset();
  if (!bin || pid === undefined) return false;
  try {
    execFileSync(bin, ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** How long a child may take to exit once it has printed its result. */
const RESULT_GRACE_MS = 1000;

/** Whether the last line of `out` is a child's JSON result. */
function resultIn(out) {
  try {
    return typeof JSON.parse(out.trim().split('\n').pop() ?? '').ok === 'boolean';
  } catch {
    return false;
  }
}

/** Runs `node <script> <json>` and resolves the JSON object its last stdout line holds. */
export function runNodeChild(script, config, { cpu, timeoutMs = 120_000, nodeArgs = ['--expose-gc'] } = {}) {
  const scriptPath = script instanceof URL ? fileURLToPath(script) : script;
  const nodeCmd = [process.execPath, ...nodeArgs, scriptPath, JSON.stringify(config)];
  const bin = cpu === undefined ? null : taskset();
  const [cmd, ...args] = bin ? [bin, '-c', String(cpu), ...nodeCmd] : nodeCmd;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let lingered = false;
    child.stdout.on('data', (d) => {
      out += d;
      // The result is in: a child whose driver left a handle open is ended after a short grace, so a
      // finished measurement never waits for a pool's idle timeout (the child does not exit itself).
      if (!lingered && out.endsWith('\n') && resultIn(out)) {
        lingered = true;
        clearTimeout(timer);
        timer = setTimeout(() => child.kill('SIGKILL'), RESULT_GRACE_MS);
      }
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        resolve({
          ok: false,
          error: `child exited ${signal ?? code}${signal === 'SIGKILL' ? ` (killed after ${timeoutMs} ms)` : ''}: ${(err || out).slice(-600)}`,
        });
      }
    });
  });
}
