import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, PROJECT_ROOT } from '../../config';

const noEnvFile = path.join(os.tmpdir(), 'does-not-exist.env');

describe('configuration', () => {
  it('defaults describe the local platform', () => {
    const config = parseConfig({});
    expect(config.platform).toBe('local');
    expect(config.dataDir).toBe(path.join(PROJECT_ROOT, '.data'));
    expect(config.temporal).toMatchObject({ host: '127.0.0.1', port: 7233, uiUrl: 'http://127.0.0.1:8233' });
    expect(config.sourceDb.port).toBe(55432);
    expect(config.redis.port).toBe(56379);
    expect(config.lake.zones.raw).toBe(path.join(PROJECT_ROOT, '.data', 'lake', 'raw'));
  });

  it('names the variable and the accepted values for a bad enum', () => {
    expect(() => parseConfig({ PLATFORM: 'aws' })).toThrowError(ConfigError);
    expect(() => parseConfig({ PLATFORM: 'aws' })).toThrowError(/PLATFORM: must be one of local, gcp \(got "aws"\)/);
  });

  it('reports every bad variable at once', () => {
    try {
      parseConfig({ SOURCE_DB_PORT: '99999', TEMPORAL_ADDRESS: 'localhost', LOG_LEVEL: 'loud' });
      expect.unreachable('parseConfig accepted bad values');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issues = (err as ConfigError).issues.join('\n');
      expect(issues).toMatch(/SOURCE_DB_PORT/);
      expect(issues).toMatch(/TEMPORAL_ADDRESS: expected host:port/);
      expect(issues).toMatch(/LOG_LEVEL: must be one of TRACE, DEBUG, INFO, WARN, ERROR/);
    }
  });

  it('requires a project for PLATFORM=gcp', () => {
    expect(() => parseConfig({ PLATFORM: 'gcp' })).toThrowError(/GCP_PROJECT_ID: required when PLATFORM=gcp/);
    const gcp = parseConfig({ PLATFORM: 'gcp', GCP_PROJECT_ID: 'hire10x-prod' });
    expect(gcp.platform === 'gcp' && gcp.gcp.projectId).toBe('hire10x-prod');
  });

  it('types the configuration per platform: the GCP block exists only on gcp, with its project', () => {
    const local = parseConfig({ GCP_PROJECT_ID: 'ignored-locally' });
    expect(local.platform).toBe('local');
    expect(Object.keys(local)).not.toEqual(expect.arrayContaining(['gcp']));
    expect(['gcp', 'dataproc', 'pubsub'].filter((k) => k in local)).toEqual([]);

    const gcp = parseConfig({ PLATFORM: 'gcp', GCP_PROJECT_ID: 'hire10x-prod', GCP_REGION: 'europe-west1' });
    if (gcp.platform !== 'gcp') throw new Error('expected the gcp configuration');
    expect(gcp.gcp).toMatchObject({ projectId: 'hire10x-prod', region: 'europe-west1' });
    expect(gcp.env.GCP_PROJECT_ID).toBe('hire10x-prod');
    expect(gcp.dataproc).toEqual({ region: 'europe-west1', mode: 'cluster', serverlessMaxRows: 2_000_000 });
    expect(gcp.pubsub).toEqual({ topic: 'hire10x-user-events' });
  });

  it('gives the Cloud Functions their block on gcp: defaults, overrides in milliseconds, refusals by name', () => {
    const gcp = parseConfig({ PLATFORM: 'gcp', GCP_PROJECT_ID: 'hire10x-prod' });
    if (gcp.platform !== 'gcp') throw new Error('expected the gcp configuration');
    expect(gcp.functions).toEqual({
      alertsTopic: 'hire10x-alerts',
      quarantineBucket: 'hire10x-quarantine',
      alertStateStore: 'redis',
      alertDedupeWindowMs: 3_600_000,
      alertRateLimit: 10,
      alertRateWindowMs: 60_000,
    });
    const tuned = parseConfig({
      PLATFORM: 'gcp',
      GCP_PROJECT_ID: 'hire10x-prod',
      ALERT_STATE_STORE: 'memory',
      ALERT_DEDUPE_WINDOW_SECONDS: '600',
      ALERT_RATE_LIMIT: '3',
    });
    expect(tuned.platform === 'gcp' && tuned.functions).toMatchObject({
      alertStateStore: 'memory',
      alertDedupeWindowMs: 600_000,
      alertRateLimit: 3,
    });
    try {
      parseConfig({ ALERT_STATE_STORE: 'firestore', QUARANTINE_BUCKET: 'Bad_Bucket!' });
      expect.unreachable('parseConfig accepted a bad store and bucket');
    } catch (err) {
      expect((err as ConfigError).issues).toEqual([
        'QUARANTINE_BUCKET: a GCS bucket name (got "Bad_Bucket!")',
        'ALERT_STATE_STORE: must be one of redis, memory (got "firestore")',
      ]);
    }
  });

  it('reports a missing project beside the other bad variables', () => {
    try {
      parseConfig({ PLATFORM: 'gcp', SOURCE_DB_PORT: '99999' });
      expect.unreachable('parseConfig accepted PLATFORM=gcp without a project');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const issues = (err as ConfigError).issues;
      expect(issues).toContain('GCP_PROJECT_ID: required when PLATFORM=gcp');
      expect(issues.some((i) => i.startsWith('SOURCE_DB_PORT'))).toBe(true);
    }
  });

  it('reads an optional .env file, and the real environment wins over it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, 'REDIS_PORT=6400\nSOURCE_DB_NAME=from_file\n');
    const config = loadConfig({ REDIS_PORT: '6500' }, file);
    expect(config.redis.port).toBe(6500);
    expect(config.sourceDb.database).toBe('from_file');
    expect(loadConfig({}, noEnvFile).redis.port).toBe(56379);
  });

  it('the CLI exits 2 with the message on bad configuration', async () => {
    const { spawnSync } = await import('node:child_process');
    const res = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), 'dev', 'status'], {
      env: { ...process.env, PLATFORM: 'mainframe' },
      encoding: 'utf8',
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/PLATFORM: must be one of local, gcp/);
  });
});
