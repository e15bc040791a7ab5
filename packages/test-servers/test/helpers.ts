import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { isPortOpen, isProcessAlive } from '../src/index.js';

/** Asserts that `pid` is gone and nothing listens on `port` any more. */
export async function expectGone(pid: number | undefined, port: number): Promise<void> {
  expect(pid).toBeTypeOf('number');
  if (pid === undefined) return;
  // The process was awaited by stop(); allow a moment for a reaped orphan's zombie state to settle.
  for (let i = 0; i < 100 && isProcessAlive(pid); i++) await sleep(10);
  expect(isProcessAlive(pid)).toBe(false);
  expect(await isPortOpen(port)).toBe(false);
}

export function expectNoFile(path: string): void {
  expect(existsSync(path)).toBe(false);
}
