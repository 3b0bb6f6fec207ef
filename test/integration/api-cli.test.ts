import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { startApi } from '../../api/server';
import { PROJECT_ROOT } from '../../config';
import { useApiTestContext, type ApiTestContext } from '../helpers/api-app';

// `analytics api`, `api-keys` and `gdpr` as processes against a listening API (moved from api.test.ts).
const ctx = useApiTestContext('api-cli');
const { config, tenant, otherTenant, user, keyIds, workflows } = ctx;
let pool: ApiTestContext['pool'];
let client: ApiTestContext['client'];
beforeAll(() => {
  ({ pool, client } = ctx);
});

/** The real CLI in a child process, awaited without blocking this process (which may be serving the API). */
function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/analytics.js'), ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the analytics api / api-keys / gdpr commands', () => {
  it('creates a key once, erases and reads status through a listening server, and says when the API is down', async () => {
    const created = await cli(
      {},
      'api-keys',
      'create',
      '--scopes',
      'gdpr:write,gdpr:read',
      '--tenant',
      tenant,
      '--json',
    );
    expect(created.status, created.stderr).toBe(0);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    expect(key).toMatch(/^h10x_[a-z2-7]{12}_[0-9a-f]{64}$/);
    keyIds.push(id);
    const stored = await pool.query<{ secret_sha256: string }>(
      'select secret_sha256 from platform.api_keys where id = $1',
      [id],
    );
    expect(stored.rows[0]!.secret_sha256).not.toContain(key.split('_')[2]);

    const api = await startApi(config, { host: '127.0.0.1', port: 0 });
    try {
      const env = { ANALYTICS_API_KEY: key };
      const erase = await cli(env, 'gdpr', 'erase', '--tenant', tenant, '--user', user(40), '--api-url', api.url);
      expect(erase.status, erase.stderr).toBe(0);
      const accepted = JSON.parse(erase.stdout) as { requestId: string; workflowId: string };
      workflows.add(accepted.workflowId);
      await client.workflow.getHandle(accepted.workflowId).terminate('api.test');
      const status = await cli(env, 'gdpr', 'status', accepted.requestId, '--api-url', api.url);
      expect(status.status, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ requestId: accepted.requestId, state: 'terminated' });
      const other = await cli(env, 'gdpr', 'erase', '--tenant', otherTenant, '--user', user(41), '--api-url', api.url);
      expect(other.status).toBe(1);
      expect(other.stderr).toMatch(/API 404 not_found/);
    } finally {
      await api.close();
    }
    const down = await cli(
      { ANALYTICS_API_KEY: key },
      'gdpr',
      'status',
      'er_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      '--api-url',
      'http://127.0.0.1:1',
    );
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the API at http:\/\/127\.0\.0\.1:1 .*Start it/);
    const revoke = await cli({}, 'api-keys', 'revoke', id);
    expect(revoke.status, revoke.stderr).toBe(0);
    expect((await cli({}, 'api-keys', 'list')).stdout).toMatch(new RegExp(`${id} .* revoked`));
  }, 120_000);
});
