import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from '../../api/app';
import { createApiKey, revokeApiKey } from '../../api/keys';
import { platformPool, startApi } from '../../api/server';
import { loadConfig, PROJECT_ROOT } from '../../config';
import { migratePlatform } from '../../schema/platform/migrate';
import { payloadCodecFromConfig } from '../../security/codec';
import { dataConverterFromConfig } from '../../security/data-converter';
import { gdprSubjectKey } from '../../security/secrets';
import { RequestId, TenantId } from '../../workflows/search-attributes';
import { createTestWorkerEnv } from '../helpers/temporal';
import { userAnalytics } from '../../schema/warehouse';

// The HTTP API through app.inject() (the real Fastify stack, no port) against the shared test platform's Temporal
// and PostgreSQL. No worker serves this file's queue, so started workflows stay open; they are terminated at the end.
const config = loadConfig();
const run = randomUUID().slice(0, 8);
const tenant = `api-test-${run}`;
const otherTenant = `api-other-${run}`;
const user = (n: number) => `u-${run}-${n}`;
const taskQueue = `api-test-${run}-gdpr`;
const started = performance.timeOrigin + performance.now();

let pool: ReturnType<typeof platformPool>;
let connection: Connection;
let client: Client;
let app: FastifyInstance;
let deps: AppDeps;
const keys = { writer: '', reader: '', bound: '', boundOther: '', revoked: '' };
const keyIds: string[] = [];
const workflows = new Set<string>();

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const create = (key: string, body: unknown, idem: string | null = randomUUID()) =>
  app.inject({
    method: 'POST',
    url: '/v1/gdpr/erasure-requests',
    headers: { ...auth(key), ...(idem ? { 'idempotency-key': idem } : {}) },
    payload: body as Record<string, unknown>,
  });
const body = (n: number, extra: Record<string, unknown> = {}) => ({
  tenantId: tenant,
  userId: user(n),
  requestedBy: 'ticket-42',
  ...extra,
});
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string[]> };
}

beforeAll(async () => {
  pool = platformPool(config, 4);
  await migratePlatform(pool);
  connection = await Connection.connect({ address: config.temporal.address });
  client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFromConfig(config),
  });
  const mk = async (scopes: ('gdpr:write' | 'gdpr:read')[], tenantId?: string) => {
    const k = await createApiKey(pool, { scopes, tenantId, description: `api.test ${run}` });
    keyIds.push(k.record.id);
    return k;
  };
  keys.writer = (await mk(['gdpr:write', 'gdpr:read'])).key;
  keys.reader = (await mk(['gdpr:read'])).key;
  keys.bound = (await mk(['gdpr:write', 'gdpr:read'], tenant)).key;
  keys.boundOther = (await mk(['gdpr:write', 'gdpr:read'], otherTenant)).key;
  const revoked = await mk(['gdpr:write', 'gdpr:read']);
  keys.revoked = revoked.key;
  await revokeApiKey(pool, revoked.record.id);
  deps = {
    temporal: client,
    pool,
    api: { ...config.api, rateLimitPerMinute: 10_000, bodyLimitBytes: 2048 },
    temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
    subjectKey: gdprSubjectKey(config),
    codec: payloadCodecFromConfig(config),
    taskQueue,
    workerDeadlineMs: 1_500,
  };
  app = buildApp(deps);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  for (const id of workflows) {
    await client.workflow
      .getHandle(id)
      .terminate('api.test cleanup')
      .catch(() => undefined);
  }
  await connection?.close();
  for (const id of keyIds) await revokeApiKey(pool, id).catch(() => undefined);
  await pool?.end();
});

describe('authentication and authorisation', () => {
  it('401 without a key, with a malformed, unknown or revoked key; 403 without the scope', async () => {
    const none = await app.inject({ method: 'POST', url: '/v1/gdpr/erasure-requests', payload: body(1) });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(none.json<ErrorBody>().error.code).toBe('unauthorized');
    for (const key of ['nonsense', `h10x_aaaaaaaaaaaa_${'0'.repeat(64)}`, keys.revoked]) {
      const res = await create(key, body(1));
      expect(res.statusCode, key).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/invalid_token/);
    }
    expect((await create(keys.revoked, body(1))).json()).toMatchObject({ error: { message: /revoked/ } });
    const wrongScope = await create(keys.reader, body(1));
    expect(wrongScope.statusCode).toBe(403);
    expect(wrongScope.json<ErrorBody>().error.message).toMatch(/gdpr:write/);
  });

  it('a key bound to another tenant sees nothing: 404 for its requests and for erasing its users', async () => {
    const res = await create(keys.writer, body(2));
    expect(res.statusCode).toBe(202);
    const { requestId, workflowId } = res.json<{ requestId: string; workflowId: string }>();
    workflows.add(workflowId);
    for (const url of [
      `/v1/gdpr/erasure-requests/${requestId}`,
      `/v1/gdpr/erasure-requests/${requestId}/certificate`,
    ]) {
      const other = await app.inject({ method: 'GET', url, headers: auth(keys.boundOther) });
      expect(other.statusCode, url).toBe(404);
      expect(other.json()).toEqual({ error: { code: 'not_found', message: 'unknown erasure request' } });
    }
    const cancel = await app.inject({
      method: 'POST',
      url: `/v1/gdpr/erasure-requests/${requestId}/cancel`,
      headers: auth(keys.boundOther),
    });
    expect(cancel.statusCode).toBe(404);
    const erase = await create(keys.boundOther, body(3));
    expect(erase.statusCode).toBe(404);
    // The key bound to the request's own tenant does see it.
    const own = await app.inject({
      method: 'GET',
      url: `/v1/gdpr/erasure-requests/${requestId}/certificate`,
      headers: auth(keys.bound),
    });
    expect(own.statusCode).toBe(409);
  });

  it('429 with Retry-After once the key has used its bucket', async () => {
    const limited = buildApp({ ...deps, api: { ...deps.api, rateLimitPerMinute: 3 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await limited.inject({
          method: 'GET',
          url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa',
          headers: auth(keys.reader),
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      expect(codes).toEqual([404, 404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('validation: 4xx with field errors, never a 500', () => {
  it('names each bad field of a malformed body or header', async () => {
    const missing = await create(keys.writer, { tenantId: tenant, requestedBy: 'x' });
    expect(missing.statusCode).toBe(400);
    expect(Object.keys(missing.json<ErrorBody>().error.fields!)).toEqual(['body.userId']);
    const bad = await create(keys.writer, { tenantId: 'bad tenant!', userId: '', requestedBy: 'x', extra: 1 });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json<ErrorBody>().error.fields!).sort()).toEqual(['body', 'body.tenantId', 'body.userId']);
    const noIdem = await create(keys.writer, body(4), null);
    expect(noIdem.statusCode).toBe(400);
    expect(noIdem.json<ErrorBody>().error.fields).toHaveProperty(['headers.idempotency-key']);
    const array = await create(keys.writer, [1, 2]);
    expect(array.statusCode).toBe(400);
  });

  it('bad JSON 400, wrong media type 415, oversize 413, bad id 400, unknown id 404, unknown route 404', async () => {
    const post = (payload: string, headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/v1/gdpr/erasure-requests',
        headers: { ...auth(keys.writer), 'idempotency-key': randomUUID(), ...headers },
        payload,
      });
    const badJson = await post('{"tenantId": ', { 'content-type': 'application/json' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json<ErrorBody>().error.code).toBe('invalid_json');
    const empty = await post('', { 'content-type': 'application/json' });
    expect(empty.statusCode).toBe(400);
    const text = await post('hello', { 'content-type': 'text/plain' });
    expect(text.statusCode).toBe(415);
    const big = await post(JSON.stringify({ ...body(5), reason: 'x'.repeat(5000) }), {
      'content-type': 'application/json',
    });
    expect(big.statusCode).toBe(413);
    expect(big.json<ErrorBody>().error.code).toBe('payload_too_large');
    const badId = await app.inject({
      method: 'GET',
      url: '/v1/gdpr/erasure-requests/nope',
      headers: auth(keys.reader),
    });
    expect(badId.statusCode).toBe(400);
    expect(badId.json<ErrorBody>().error.fields).toHaveProperty(['params.id']);
    const unknown = await app.inject({
      method: 'GET',
      url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      headers: auth(keys.reader),
    });
    expect(unknown.statusCode).toBe(404);
    const route = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(route.statusCode).toBe(404);
    expect(route.json<ErrorBody>().error.code).toBe('not_found');
  });
});

describe('erasure requests on Temporal', () => {
  it('starts exactly one workflow on the gdpr queue; the same key or the same open user gets the same request', async () => {
    const idem = randomUUID();
    const first = await create(keys.writer, body(10, { reason: 'user asked' }), idem);
    expect(first.statusCode).toBe(202);
    const accepted = first.json<{
      requestId: string;
      workflowId: string;
      status: string;
      links: Record<string, string>;
    }>();
    workflows.add(accepted.workflowId);
    expect(accepted.status).toBe('accepted');
    expect(accepted.requestId).toMatch(/^er_[a-z2-7]{26}$/);
    expect(accepted.workflowId).toMatch(new RegExp(`^gdpr-erasure:${tenant}:[0-9a-f]{32}$`));
    expect(accepted.workflowId).not.toContain(user(10));
    expect(accepted.links.self).toBe(`${config.api.publicUrl}/v1/gdpr/erasure-requests/${accepted.requestId}`);
    expect(accepted.links.ui).toContain(encodeURIComponent(accepted.workflowId));

    const described = await client.workflow.getHandle(accepted.workflowId).describe();
    expect(described.type).toBe('gdprErasure');
    expect(described.taskQueue).toBe(taskQueue);
    expect(described.status.name).toBe('RUNNING');
    expect(described.typedSearchAttributes.get(TenantId)).toBe(tenant);
    expect(described.typedSearchAttributes.get(RequestId)).toBe(accepted.requestId);

    const again = await create(keys.writer, body(10, { reason: 'user asked' }), idem);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(accepted);

    const changed = await create(keys.writer, body(10, { reason: 'something else' }), idem);
    expect(changed.statusCode).toBe(422);
    expect(changed.json<ErrorBody>().error.code).toBe('idempotency_key_reused');

    const otherCaller = await create(keys.bound, body(10), randomUUID());
    expect(otherCaller.statusCode).toBe(202);
    expect(otherCaller.json<{ requestId: string }>().requestId).toBe(accepted.requestId);

    const stillOne = await client.workflow.getHandle(accepted.workflowId).describe();
    expect(stillOne.runId).toBe(described.runId);
    const rows = await pool.query<{ n: number }>(
      'select count(*)::int as n from platform.erasure_requests where workflow_id = $1',
      [accepted.workflowId],
    );
    expect(rows.rows[0]!.n).toBe(1);
  });

  it('open run: status needs a worker (503 without), certificate not ready; closed run: answered without a worker', async () => {
    const res = await create(keys.writer, body(11));
    const { requestId, workflowId } = res.json<{ requestId: string; workflowId: string }>();
    workflows.add(workflowId);
    const url = `/v1/gdpr/erasure-requests/${requestId}`;
    const status = await app.inject({ method: 'GET', url, headers: auth(keys.reader) });
    expect(status.statusCode).toBe(503);
    expect(status.json<ErrorBody>().error.code).toBe('worker_unavailable');
    const cert = await app.inject({ method: 'GET', url: `${url}/certificate`, headers: auth(keys.reader) });
    expect(cert.statusCode).toBe(409);
    expect(cert.json<ErrorBody>().error.code).toBe('not_ready');

    await client.workflow.getHandle(workflowId).terminate('api.test');
    const closed = await app.inject({ method: 'GET', url, headers: auth(keys.reader) });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({
      requestId,
      workflowId,
      state: 'terminated',
      execution: 'TERMINATED',
      status: null,
    });
    const cancel = await app.inject({ method: 'POST', url: `${url}/cancel`, headers: auth(keys.writer) });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json<ErrorBody>().error.code).toBe('already_finished');
    const noCert = await app.inject({ method: 'GET', url: `${url}/certificate`, headers: auth(keys.reader) });
    expect(noCert.statusCode).toBe(409);
    expect(noCert.json<ErrorBody>().error.code).toBe('not_issued');

    // After the run closed, the same user may be requested again: a new run with a new request id.
    const next = await create(keys.writer, body(11));
    expect(next.statusCode).toBe(202);
    expect(next.json<{ requestId: string }>().requestId).not.toBe(requestId);
    expect(next.json<{ workflowId: string }>().workflowId).toBe(workflowId);
  });
});

describe('documents, probes and the codec endpoint', () => {
  it('serves OpenAPI 3.1 generated from the validating schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/codec/decode',
        '/codec/encode',
        '/healthz',
        '/metrics',
        '/readyz',
        '/v1/gdpr/erasure-requests',
        '/v1/gdpr/erasure-requests/{id}',
        '/v1/gdpr/erasure-requests/{id}/cancel',
        '/v1/gdpr/erasure-requests/{id}/certificate',
      ].sort(),
    );
    const create = doc.components.schemas.CreateErasureRequest!;
    expect(create.required?.sort()).toEqual(['requestedBy', 'tenantId', 'userId']);
    expect(Object.keys(create.properties!).sort()).toEqual(['reason', 'requestedBy', 'tenantId', 'userId']);
    expect(doc.components.schemas.ErasureStatus!.required).toContain('pointOfNoReturnPassed');
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const r of refs) expect(doc.components.schemas, r).toHaveProperty(r.split('/').pop()!);
  });

  it('healthz without auth, readyz checks Temporal and PostgreSQL, metrics expose the histogram', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { temporal: { ok: true }, postgres: { ok: true } } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*status_code="200"/);
    expect(metrics.body).toMatch(/route="\/v1\/gdpr\/erasure-requests"/);
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
  });

  it('codec encode/decode round-trip with auth and the CORS the Web UI needs', async () => {
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('{"userId":"secret-user"}').toString('base64'),
    };
    const headers = {
      ...auth(keys.reader),
      'x-namespace': config.temporal.namespace,
      origin: new URL(config.temporal.uiUrl).origin,
    };
    const encoded = await app.inject({ method: 'POST', url: '/codec/encode', headers, payload: { payloads: [plain] } });
    expect(encoded.statusCode).toBe(200);
    expect(encoded.headers['access-control-allow-origin']).toBe(new URL(config.temporal.uiUrl).origin);
    expect(encoded.headers['access-control-allow-credentials']).toBe('true');
    const cipher = encoded.json<{ payloads: { data: string }[] }>().payloads[0]!;
    expect(Buffer.from(cipher.data, 'base64').toString('latin1')).not.toContain('secret-user');
    const decoded = await app.inject({ method: 'POST', url: '/codec/decode', headers, payload: encoded.json() });
    expect(decoded.statusCode).toBe(200);
    expect(decoded.json<{ payloads: unknown[] }>().payloads[0]).toEqual(plain);

    const anonymous = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: headers.origin },
      payload: encoded.json(),
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['access-control-allow-origin']).toBe(headers.origin);
    const malformed = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers,
      payload: { payloads: [{ data: '@@' }] },
    });
    expect(malformed.statusCode).toBe(400);

    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: {
        origin: headers.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(headers.origin);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toBe(
      'authorization, content-type, x-namespace',
    );
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    const stranger = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'https://evil.example' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the Web UI codec path (capability token, for a UI without SSO)', () => {
  it('decodes with the right token only, with the UI CORS', async () => {
    const token = 'a'.repeat(48);
    const uiApp = buildApp({ ...deps, uiCodecToken: token });
    await uiApp.ready();
    try {
      const origin = new URL(config.temporal.uiUrl).origin;
      const plain = {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from('{"email":"someone@example.com"}').toString('base64'),
      };
      const headers = { 'x-namespace': config.temporal.namespace, origin };
      const encoded = await uiApp.inject({
        method: 'POST',
        url: `/codec/ui/${token}/encode`,
        headers,
        payload: { payloads: [plain] },
      });
      expect(encoded.statusCode).toBe(200);
      expect(encoded.headers['access-control-allow-origin']).toBe(origin);
      const decoded = await uiApp.inject({
        method: 'POST',
        url: `/codec/ui/${token}/decode`,
        headers,
        payload: encoded.json(),
      });
      expect(decoded.json<{ payloads: unknown[] }>().payloads[0]).toEqual(plain);
      for (const wrong of ['b'.repeat(48), 'short']) {
        const denied = await uiApp.inject({
          method: 'POST',
          url: `/codec/ui/${wrong}/decode`,
          headers,
          payload: encoded.json(),
        });
        expect(denied.statusCode).toBe(401);
      }
      // Without a configured token (the default on gcp) the path answers 401 to everyone.
      const off = await app.inject({
        method: 'POST',
        url: `/codec/ui/${token}/decode`,
        headers,
        payload: encoded.json(),
      });
      expect(off.statusCode).toBe(401);
    } finally {
      await uiApp.close();
    }
  });
});

describe('audit log', () => {
  it('one row per audited call, with outcomes, and no user id anywhere', async () => {
    const before = (await pool.query<{ n: number }>('select count(*)::int as n from platform.audit_log')).rows[0]!.n;
    await app.inject({
      method: 'GET',
      url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      headers: auth(keys.reader),
    });
    await app.inject({ method: 'GET', url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa' });
    await create(keys.reader, body(20));
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.flushAudit();
    const after = (await pool.query<{ n: number }>('select count(*)::int as n from platform.audit_log')).rows[0]!.n;
    expect(after - before).toBeGreaterThanOrEqual(3);

    const { rows } = await pool.query<Record<string, unknown>>(
      `select * from platform.audit_log where occurred_at >= to_timestamp($1 / 1000.0) - interval '1 second'
        and (actor = any($2) or actor = 'anonymous') order by occurred_at`,
      [started, keyIds],
    );
    const text = JSON.stringify(rows);
    for (let n = 0; n <= 20; n++) expect(text).not.toContain(user(n));
    expect(text).not.toContain('ticket-42');
    const outcomes = new Set(
      rows.map((r) => `${String(r.action)}:${String(r.outcome)}:${(r.details as { status: number }).status}`),
    );
    expect(outcomes).toContain('gdpr.erasure.status:failure:404');
    expect(outcomes).toContain('gdpr.erasure.status:denied:401');
    expect(outcomes).toContain('gdpr.erasure.create:denied:403');
    expect(outcomes).toContain('gdpr.erasure.create:success:202');
    expect(outcomes).toContain('gdpr.erasure.certificate:denied:404');
    expect(rows.some((r) => r.action === 'api.unknown_route' && r.resource === '-')).toBe(true);
    expect(rows.every((r) => r.action !== 'api.healthz')).toBe(true);
  });
});

describe('with a worker running the gdprErasure saga', () => {
  it('status through the query while open, then the workflow result once closed; no certificate for a rejection', async () => {
    const env = await createTestWorkerEnv();
    // The saga records its outcome in the warehouse audit_log: make sure the test warehouse has the dataset.
    await env.adapters.warehouse.ensureDataset(userAnalytics);
    const served = buildApp({ ...deps, taskQueue: `${env.taskQueue}-gdpr`, workerDeadlineMs: 10_000 });
    try {
      // Errors are returned, not thrown, so the workers shut down before the connection closes.
      const failure = await env.withWorker(async () => {
        try {
          const res = await served.inject({
            method: 'POST',
            url: '/v1/gdpr/erasure-requests',
            headers: { ...auth(keys.writer), 'idempotency-key': randomUUID() },
            payload: body(30),
          });
          expect(res.statusCode).toBe(202);
          const { requestId, workflowId } = res.json<{ requestId: string; workflowId: string }>();
          workflows.add(workflowId);
          const url = `/v1/gdpr/erasure-requests/${requestId}`;
          await expect
            .poll(
              async () => {
                const r = await served.inject({ method: 'GET', url, headers: auth(keys.reader) });
                expect(r.statusCode).toBe(200);
                const view = r.json<{ state: string; execution: string; status: { requestId: string } | null }>();
                expect(view.status?.requestId).toBe(requestId);
                return `${view.state}/${view.execution}`;
              },
              { timeout: 30_000, interval: 200 },
            )
            .toBe('rejected/COMPLETED');
          const final = (await served.inject({ method: 'GET', url, headers: auth(keys.reader) })).json<{
            status: { reason?: string; steps: { name: string; status: string }[] };
          }>();
          expect(final.status.reason).toMatch(/no such user/);
          expect(final.status.steps[0]).toMatchObject({ name: 'validate' });
          const cert = await served.inject({ method: 'GET', url: `${url}/certificate`, headers: auth(keys.reader) });
          expect(cert.statusCode).toBe(409);
          expect(cert.json<ErrorBody>().error).toMatchObject({ code: 'not_issued', message: /rejected/ });
          return undefined;
        } catch (err) {
          return err as Error;
        }
      });
      if (failure) throw failure;
    } finally {
      await served.close();
      await env.close();
    }
  }, 90_000);
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
