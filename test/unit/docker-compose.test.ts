import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema, parseConfig, PROJECT_ROOT } from '../../config';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const published = (svc: string) => (compose.services[svc]?.ports ?? []).map((p) => Number(p.split(':').at(-2)));

// No Docker engine runs here: the compose file is validated offline against the config schema and the README.
describe('docker-compose.yml', () => {
  it('has the platform services and the worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'redis', 'temporal', 'worker']);
    expect(fs.existsSync(path.join(PROJECT_ROOT, compose.services.worker?.build?.dockerfile ?? 'missing'))).toBe(true);
  });

  it('gives the worker an environment the config schema accepts, pointing at the compose services', () => {
    const env = compose.services.worker?.environment ?? {};
    expect(envSchema.safeParse(env).success).toBe(true);
    const config = parseConfig(env);
    expect(config.temporal.host).toBe('temporal');
    expect(config.sourceDb.host).toBe('postgres');
    expect(config.redis.host).toBe('redis');
  });

  it('publishes the ports the config defaults and the README use', () => {
    const defaults = parseConfig({});
    expect(published('temporal')).toEqual([defaults.temporal.port, defaults.temporal.uiPort]);
    expect(published('postgres')).toEqual([defaults.sourceDb.port]);
    expect(published('redis')).toEqual([defaults.redis.port]);
    expect(published('worker')).toEqual([defaults.worker.metricsPort]);
    for (const port of [7233, 8233, 55432, 56379, 9464]) expect(readme).toContain(String(port));
  });

  it('registers the same search attributes as `analytics dev up`', () => {
    const flags = (compose.services.temporal?.command ?? []).filter((a) => a.startsWith('--search-attribute='));
    const registered = Object.fromEntries(
      flags.map((f) => f.replace('--search-attribute=', '').split('=') as [string, string]),
    );
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
  });
});
