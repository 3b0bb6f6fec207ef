import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config';

/** Pinned versions from scripts/versions.env (the one file that pins every external tool). */
export function readPins(file = path.join(PROJECT_ROOT, 'scripts/versions.env')): Record<string, string> {
  const pins: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) pins[m[1]] = m[2];
  }
  return pins;
}

/** Same layout as scripts/lib.sh tool_bin(): <cache>/<tool>/<version without v>/bin. */
export function toolCache(): string {
  return (
    process.env.HIRE10X_TOOL_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'hire10x-analytics')
  );
}

export class MissingToolError extends Error {
  constructor(tool: string, hint: string) {
    super(`${tool} is not installed. ${hint}`);
    this.name = 'MissingToolError';
  }
}

export function pinnedTool(name: string, versionKey: string, binary: string): string {
  const version = readPins()[versionKey];
  if (!version) throw new Error(`scripts/versions.env has no ${versionKey}`);
  const file = path.join(toolCache(), name, version.replace(/^v/, ''), 'bin', binary);
  if (!fs.existsSync(file))
    throw new MissingToolError(`${binary} ${version}`, `Run: npm run bootstrap (expected ${file})`);
  return file;
}

export const temporalBinary = () => pinnedTool('temporal', 'TEMPORAL_CLI_VERSION', 'temporal');

function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, binary);
    if (dir && fs.existsSync(file)) return file;
  }
  return undefined;
}

/** Directory holding initdb and postgres: the pinned major's Debian location first, then PATH. */
export function postgresBinDir(): string {
  const major = readPins().POSTGRES_MAJOR ?? '15';
  const candidates = [`/usr/lib/postgresql/${major}/bin`];
  if (fs.existsSync('/usr/lib/postgresql')) {
    for (const v of fs.readdirSync('/usr/lib/postgresql').sort().reverse())
      candidates.push(`/usr/lib/postgresql/${v}/bin`);
  }
  const onPath = which('initdb');
  if (onPath) candidates.push(path.dirname(onPath));
  const dir = candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'postgres')));
  if (!dir)
    throw new MissingToolError(
      'PostgreSQL server (initdb, postgres)',
      'Run: npm run bootstrap (installs postgresql-15 with apt-get)',
    );
  return dir;
}

export function redisServerBinary(): string {
  const file = which('redis-server');
  if (!file) throw new MissingToolError('redis-server', 'Run: npm run bootstrap (installs redis-server with apt-get)');
  return file;
}
