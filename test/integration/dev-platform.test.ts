import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../cli/dev/process';
import type { PlatformStatus } from '../../cli/dev/supervisor';
import { uiCodecToken } from '../../security/secrets';
import { parseConfig } from '../../config';
import { dataConverterFromConfig } from '../../security/data-converter';
import { cli, privatePlatformEnv, type PrivatePlatform } from '../helpers/platform';

// A second, throw-away platform on free ports and its own data directory, driven through the real CLI, so
// start/stop/restart can be exercised without disturbing the shared test platform.
const platforms: PrivatePlatform[] = [];
async function platformEnv(): Promise<Record<string, string>> {
  const platform = await privatePlatformEnv();
  platforms.push(platform);
  return platform.env;
}
afterAll(() => {
  for (const p of platforms) p.destroy();
});

describe('analytics dev up | status | down', () => {
  it('starts, is idempotent, keeps history across a Temporal crash, and stops only what it started', async () => {
    const env = await platformEnv();
    const first = cli(env, 'dev', 'up');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/temporal: healthy/);

    const status = JSON.parse(cli(env, 'dev', 'status', '--json').stdout) as PlatformStatus;
    expect(status.services.temporal.state).toBe('running');
    expect(status.services.postgres.state).toBe('running');
    expect(status.services.redis.state).toBe('running');
    expect(status.services.worker.state).toBe('stopped');
    expect(status.services.temporal.uiUrl).toBe(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);
    expect(status.zones.raw).toBe(path.join(env.ANALYTICS_DATA_DIR!, 'lake', 'raw'));
    expect(fs.existsSync(status.zones.archive)).toBe(true);
    expect(fs.readdirSync(path.join(env.ANALYTICS_DATA_DIR!, 'logs')).sort()).toEqual([
      'postgres.log',
      'redis.log',
      'temporal.log',
    ]);

    // The Web UI decrypts payloads through the API's codec endpoint.
    const uiSettings = (await (await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string };
    };
    // …through the capability path: the local UI has no SSO token to send (security/README.md).
    const cfg = parseConfig(env);
    expect(uiSettings.Codec.Endpoint).toBe(`${cfg.api.publicUrl}/codec/ui/${uiCodecToken(cfg)}`);

    const again = cli(env, 'dev', 'up');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr.match(/already running/g)).toHaveLength(3);
    // The watchdog's schedule was created once; applying it again changed nothing.
    expect(first.stderr).toContain('temporal: schedule pipeline-watchdog created');
    expect(again.stderr).not.toContain('schedule pipeline-watchdog');

    // Record a workflow, crash the server, bring it back: the SQLite history must survive.
    const workflowId = `dev-platform-history-${Date.now()}`;
    const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    const dataConverter = dataConverterFromConfig(parseConfig(env));
    await new Client({ connection, dataConverter }).workflow.start('platformHealthCheck', {
      taskQueue: 'no-worker',
      workflowId,
      args: [{}],
    });
    // A data file from before LogicalDate became a Keyword: the next `dev up` must re-register it.
    const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
    await connection.operatorService.removeSearchAttributes({
      namespace: 'default',
      searchAttributes: ['LogicalDate'],
    });
    await connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: { LogicalDate: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME },
    });
    await connection.close();
    const temporalPid = status.services.temporal.pid!;
    process.kill(temporalPid, 'SIGKILL');
    await expect.poll(() => isAlive(temporalPid)).toBe(false);
    const restarted = cli(env, 'dev', 'up');
    expect(restarted.status, restarted.stderr).toBe(0);
    expect(restarted.stderr).toMatch(/temporal: healthy/);
    expect(restarted.stderr).toContain('temporal: search attribute LogicalDate re-registered as Keyword');
    const conn2 = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
    const described = await new Client({ connection: conn2, dataConverter }).workflow.getHandle(workflowId).describe();
    expect(described.workflowId).toBe(workflowId);
    const attributes = await conn2.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(attributes.customAttributes?.LogicalDate).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    await conn2.close();

    // An unrelated process must survive `dev down`.
    const bystander = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => bystander.once('listening', r));
    const after = JSON.parse(cli(env, 'dev', 'status', '--json').stdout) as PlatformStatus;
    const pids = ['temporal', 'postgres', 'redis'].map((s) => after.services[s as 'redis'].pid!);
    const down = cli(env, 'dev', 'down');
    expect(down.status, down.stderr).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(bystander.listening).toBe(true);
    bystander.close();
    const final = JSON.parse(cli(env, 'dev', 'status', '--json').stdout) as PlatformStatus;
    expect(Object.values(final.services).map((s) => s.state)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ]);
  }, 240_000);

  it('says clearly when a port is taken and starts nothing', async () => {
    const env = await platformEnv();
    const squatter = net.createServer().listen(Number(env.TEMPORAL_ADDRESS!.split(':')[1]), '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    try {
      const res = cli(env, 'dev', 'up');
      expect(res.status).toBe(1);
      expect(res.stderr).toContain(
        `port ${env.TEMPORAL_ADDRESS!.split(':')[1]} (Temporal frontend (TEMPORAL_ADDRESS)) is already in use`,
      );
      const s = JSON.parse(cli(env, 'dev', 'status', '--json').stdout) as PlatformStatus;
      expect(s.services.temporal.pid).toBeUndefined();
      expect(s.services.postgres.state).toBe('stopped');
    } finally {
      squatter.close();
    }
  });
});
