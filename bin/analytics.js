#!/usr/bin/env node
// The `analytics` command. Sources are TypeScript; tsx compiles them on the fly (cached), so there is no build step.
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .catch((err) => {
    process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  });
