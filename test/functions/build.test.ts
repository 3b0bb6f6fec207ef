import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { ENTRY_POINTS } from '../../functions/register';

/**
 * The deployable folder: `npm run functions:build` compiles functions/dist and checks functions/package.json against
 * what it requires; the built main registers exactly the entry points Terraform deploys, with their signature types.
 */
describe('functions build', () => {
  it('builds, and the built main registers eventProcessor (http), dataValidation and alertHandler (cloudevent)', () => {
    const build = spawnSync(process.execPath, ['--import', 'tsx', 'functions/build.ts'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(build.stderr).toBe('');
    expect(build.status).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'functions/package.json'), 'utf8')) as {
      main: string;
    };
    const main = path.join(PROJECT_ROOT, 'functions', manifest.main);
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(main)});
         // The registry module by path: the package's exports hide it, and only it knows the signature type.
         const registry = require.resolve('@google-cloud/functions-framework').replace(/index\\.js$/, 'function_registry.js');
         const { getRegisteredFunction } = require(registry);
         const names = ${JSON.stringify(Object.values(ENTRY_POINTS))};
         console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, getRegisteredFunction(n)?.signatureType]))));`,
      ],
      { cwd: path.join(PROJECT_ROOT, 'functions'), encoding: 'utf8' },
    );
    expect(probe.stderr).toBe('');
    expect(JSON.parse(probe.stdout)).toEqual({
      eventProcessor: 'http',
      dataValidation: 'cloudevent',
      alertHandler: 'cloudevent',
    });
  }, 120_000);
});
