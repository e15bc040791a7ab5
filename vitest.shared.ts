// Shared vitest settings for every workspace package. Tests import `@sess/*` by name; this maps those
// names (and their subpaths) to the packages' TypeScript sources, so a test run needs no build first.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

interface Manifest {
  name?: string;
  exports?: Record<string, unknown>;
}

interface Alias {
  find: RegExp;
  replacement: string;
}

export function workspaceAliases(): Alias[] {
  const aliases: Alias[] = [];
  const dir = join(root, 'packages');
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(join(dir, entry.name, 'package.json'), 'utf8')) as Manifest;
    } catch {
      continue;
    }
    if (!manifest.name || !manifest.exports) continue;
    for (const subpath of Object.keys(manifest.exports)) {
      if (subpath === './package.json') continue;
      const file = subpath === '.' ? 'index' : subpath.slice(2);
      const find = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      aliases.push({
        find: new RegExp(`^${find.replace(/[/.]/g, '\\$&')}$`),
        replacement: join(dir, entry.name, 'src', `${file}.ts`),
      });
    }
  }
  // Longest names first, so `@sess/engine-db/sqlite` wins over `@sess/engine-db`.
  return aliases.sort((a, b) => String(b.find).length - String(a.find).length);
}

export const sharedTest = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
} as const;
