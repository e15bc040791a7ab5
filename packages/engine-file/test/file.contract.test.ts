import { runEngineContract } from '@sess/contract';
import { fileEngine } from '@sess/engine-file';
import { tempDir } from './helpers.ts';

runEngineContract({ name: 'file', makeEngine: () => fileEngine({ path: tempDir() }) });

runEngineContract({
  name: 'file (fsync off)',
  makeEngine: () => fileEngine({ path: tempDir(), fsync: false }),
});
