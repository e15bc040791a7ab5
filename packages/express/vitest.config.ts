import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'express',
    ...sharedTest,
    // Type tests (test/*.test-d.ts) run through tsc with the package's tsconfig (dependencies built).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
