import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { RequestId, TenantId } from '../../workflows/search-attributes';
import { useApiTestContext, type ApiTestContext } from '../helpers/api-app';
import { createTestWorkerEnv } from '../helpers/temporal';
import { userAnalytics } from '../../schema/warehouse';

// The HTTP API through app.inject() (the real Fastify stack, no port) against the shared test platform's Temporal
// and PostgreSQL (test/helpers/api-app.ts). No worker serves this file's queue, so started workflows stay open; they
// are terminated at the end. Documents, probes and the codec routes: api-codec.test.ts; the CLI: api-cli.test.ts.
const ctx = useApiTestContext('api-test');
const { config, tenant, user, taskQueue, keys, keyIds, workflows } = ctx;
let pool: ApiTestContext['pool'];
let client: ApiTestContext['client'];
let app: ApiTestContext['app'];
let deps: ApiTestContext['deps'];
beforeAll(() => {
  ({ pool, client, app, deps } = ctx);
});
const started = performance.timeOrigin + performance.now();

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
