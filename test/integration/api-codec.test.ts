import { describe, expect, it, beforeAll } from 'vitest';
import { buildApp } from '../../api/app';
import { useApiTestContext, type ApiTestContext } from '../helpers/api-app';

// The generated OpenAPI document, probes and metrics, and the codec routes with the CORS the Web UI needs, through
// app.inject() (moved from api.test.ts; same setup, test/helpers/api-app.ts).
const ctx = useApiTestContext('api-codec');
const { config, keys } = ctx;
let app: ApiTestContext['app'];
let deps: ApiTestContext['deps'];
beforeAll(() => {
  ({ app, deps } = ctx);
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

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
    // A call to an erasure route first (in api.test.ts, before the split, earlier tests had made one): a 401 is labelled too.
    await app.inject({ method: 'POST', url: '/v1/gdpr/erasure-requests', payload: {} });
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
