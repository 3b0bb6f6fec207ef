import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';

/**
 * Builds the deployable folder: compiles functions/index.ts and the modules it reaches (adapters/, schema/, config/,
 * workflows/ routing) into functions/dist with tsc (CommonJS, the repository's compiler settings), then checks that
 * every package the output requires is a dependency of functions/package.json pinned to the root package.json's
 * version, so what Cloud Build installs is what the tests ran. Exit 1 on any mismatch.
 */
const root = path.resolve(__dirname, '..');
const dist = path.join(__dirname, 'dist');

export function requiredPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.js')) {
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
          const spec = m[1]!;
          if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(dir);
  return found;
}

export function dependencyProblems(required: Set<string>): string[] {
  const read = (f: string) =>
    JSON.parse(fs.readFileSync(f, 'utf8')) as { dependencies?: Record<string, string>; main?: string };
  const rootDeps = read(path.join(root, 'package.json')).dependencies ?? {};
  const fnDeps = read(path.join(__dirname, 'package.json')).dependencies ?? {};
  const problems: string[] = [];
  for (const name of required) {
    if (!fnDeps[name]) problems.push(`${name} is required by the build but missing from functions/package.json`);
    else if (fnDeps[name] !== rootDeps[name])
      problems.push(`${name}: functions/package.json pins ${fnDeps[name]}, the root ${rootDeps[name] ?? 'nothing'}`);
  }
  for (const name of Object.keys(fnDeps)) {
    if (!required.has(name)) problems.push(`${name} is in functions/package.json but the build never requires it`);
  }
  return problems;
}

function main(): void {
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(__dirname, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const problems = dependencyProblems(requiredPackages(dist));
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`functions:build: ${p}\n`);
    process.exit(1);
  }
  process.stdout.write(`functions:build: ${path.relative(root, dist)} ready (main dist/functions/index.js)\n`);
}

if (require.main === module) main();
