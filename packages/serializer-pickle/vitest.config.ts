import { defineProject } from 'vitest/config';
import { sharedTest, workspaceAliases } from '../../vitest.shared.ts';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: { name: 'serializer-pickle', ...sharedTest },
});
