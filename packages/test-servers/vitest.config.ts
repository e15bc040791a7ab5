import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: { name: 'test-servers', ...sharedTest, globalSetup: ['./test/global-setup.ts'] },
});
