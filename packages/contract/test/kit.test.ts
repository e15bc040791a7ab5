// The kit must fail an engine that breaks the contract: each fault below is injected into a real engine
// and the kit is run on it in a nested vitest; the tests that guard that promise must fail.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startVitest } from 'vitest/node';
import { workspaceAliases } from '../../../vitest.shared.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function failuresWith(fault: string): Promise<{ failed: string[]; passed: number }> {
  // The nested run sets process.exitCode when its faulty engines fail (as they must); put back what the
  // outer run had, so only the outer run's own results decide its exit code.
  const exitCode = process.exitCode;
  const vitest = await startVitest('test', [], {
    watch: false,
    config: false,
    root: join(here, 'fixtures'),
    include: ['faulty-engine.fixture.ts'],
    reporters: [{}],
    silent: true,
    env: { SESS_FAULT: fault },
    alias: workspaceAliases(),
  });
  const failed: string[] = [];
  let passed = 0;
  for (const module of vitest.state.getTestModules()) {
    for (const test of module.children.allTests()) {
      if (test.result().state === 'failed') failed.push(test.name);
      else if (test.result().state === 'passed') passed++;
    }
  }
  await vitest.close();
  process.exitCode = exitCode;
  return { failed, passed };
}

describe('the contract kit catches broken engines', () => {
  it('passes the faithful engine', async () => {
    const { failed, passed } = await failuresWith('none');
    expect(failed).toEqual([]);
    expect(passed).toBeGreaterThan(50);
  });

  const cases: [string, string[]][] = [
    [
      'upsert',
      [
        'saving a session deleted meanwhile raises UpdateError and does not bring it back',
        'a session deleted by a concurrent request raises SessionInterrupted (400)',
      ],
    ],
    [
      'overwrite-on-create',
      [
        'creation retries when a new key collides, never overwriting',
        'save with mustCreate on an existing key raises CreateError',
      ],
    ],
    [
      'load-creates',
      [
        'a key that does not exist is replaced on save, and loading it creates no record',
        'unknown keys from cookies create no records, even when read',
      ],
    ],
    ['ignores-expiry', ['a session past its expiry loads empty']],
    ['shared-records', ['concurrent sessions never see each other’s data']],
  ];
  for (const [fault, expected] of cases) {
    it(`fails an engine that breaks the contract: ${fault}`, async () => {
      const { failed } = await failuresWith(fault);
      for (const name of expected) expect(failed).toContain(name);
    });
  }
});
