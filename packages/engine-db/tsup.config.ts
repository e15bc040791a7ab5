import { defineConfig } from 'tsup';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/sqlite.ts',
    'src/postgres.ts',
    'src/mysql.ts',
    'src/mongodb.ts',
    'src/dynamodb.ts',
  ],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
