#!/usr/bin/env node
import { main } from './index.js';

// Exit explicitly once the command is done: the app's pools (pg, mysql2, ioredis) that the configuration
// opened would otherwise keep a cron job alive until their idle timeouts.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
