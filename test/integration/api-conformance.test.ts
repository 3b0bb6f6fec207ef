import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createApiKey, revokeApiKey } from '../../api/keys';
import { platformPool } from '../../api/server';
import { loadConfig } from '../../config';
import { migratePlatform } from '../../schema/platform/migrate';
import { payloadCodecFromConfig } from '../../security/codec';
import { dataConverterFromConfig } from '../../security/data-converter';
import { gdprSubjectKey } from '../../security/secrets';

// What the OpenAPI fuzzer (npm run test:fuzz) found missing, pinned down through app.inject(): 405 with Allow for
// undeclared methods, codec payloads without unknown fields, and a document that declares every answer.
const config = loadConfig();
let pool: ReturnType<typeof platformPool>;
let connection: Connection;
let app: ReturnType<typeof buildApp>;
let keyId = '';
let key = '';

beforeAll(async () => {
  pool = platformPool(config, 2);
  await migratePlatform(pool);
  connection = await Connection.connect({ address: config.temporal.address });
  const created = await createApiKey(pool, { scopes: ['gdpr:write', 'gdpr:read'], description: 'api-conformance' });
  keyId = created.record.id;
  key = created.key;
  app = buildApp({
    temporal: new Client({
      connection,
      namespace: config.temporal.namespace,
      dataConverter: dataConverterFromConfig(config),
    }),
    pool,
    api: config.api,
    temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace },
    subjectKey: gdprSubjectKey(config),
    codec: payloadCodecFromConfig(config),
    taskQueue: `api-conformance-${randomUUID().slice(0, 8)}`,
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await revokeApiKey(pool, keyId).catch(() => undefined);
  await connection?.close();
  await pool?.end();
});

const auth = () => ({ authorization: `Bearer ${key}` });

describe('methods', () => {
  it('an undeclared method on a known path answers 405 with Allow; an unknown path stays 404', async () => {
    const trace = await app.inject({ method: 'TRACE' as 'GET', url: '/healthz' });
    expect(trace.statusCode).toBe(405);
    expect(trace.headers.allow).toBe('GET, HEAD');
    expect(trace.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
    const del = await app.inject({ method: 'DELETE', url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa' });
    expect(del.statusCode).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD');
    const put = await app.inject({ method: 'PUT', url: '/codec/decode?x=1' });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('OPTIONS, POST');
    // QUERY carries a body: Fastify refuses one without Content-Type before routing, which must not win over 405.
    const query = await app.inject({ method: 'QUERY' as 'GET', url: '/readyz' });
    expect(query.statusCode).toBe(405);
    const nothing = await app.inject({ method: 'TRACE' as 'GET', url: '/v1/nothing-here' });
    expect(nothing.statusCode).toBe(404);
  });

  it('cancel accepts no body at all (validation first, then the unknown id answers 404)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/gdpr/erasure-requests/er_aaaaaaaaaaaaaaaaaaaaaaaaaa/cancel',
      headers: auth(),
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('codec payloads', () => {
  it('refuses unknown fields in a payload and in the body with 400 naming them', async () => {
    const payload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: '' };
    const ok = await app.inject({
      method: 'POST',
      url: '/codec/encode',
      headers: auth(),
      payload: { payloads: [payload] },
    });
    expect(ok.statusCode).toBe(200);
    const extraField = await app.inject({
      method: 'POST',
      url: '/codec/encode',
      headers: auth(),
      payload: { payloads: [{ ...payload, externalPayloads: [] }] },
    });
    expect(extraField.statusCode).toBe(400);
    expect(extraField.json()).toMatchObject({
      error: { code: 'invalid_request', fields: { 'body.payloads.0': [/externalPayloads/] } },
    });
    const extraTop = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: auth(),
      payload: { payloads: [], more: true },
    });
    expect(extraTop.statusCode).toBe(400);
    expect(Object.keys(extraTop.json<{ error: { fields: object } }>().error.fields)).toEqual(['body']);
  });
});

describe('the generated OpenAPI document', () => {
  interface Operation {
    responses: Record<string, unknown>;
    requestBody?: { required: boolean };
    security?: unknown[];
  }
  let doc: {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };
  beforeAll(async () => {
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });

  it('declares what each route answers: 422 on create, 409/410 where a request state conflicts, 405 nowhere needed', () => {
    const create = doc.paths['/v1/gdpr/erasure-requests']!.post!;
    expect(Object.keys(create.responses).sort()).toEqual(
      ['202', '400', '401', '403', '404', '413', '415', '422', '429', '503'].sort(),
    );
    expect(create.requestBody?.required).toBe(true);
    const cancel = doc.paths['/v1/gdpr/erasure-requests/{id}/cancel']!.post!;
    expect(cancel.requestBody?.required).toBe(false);
    expect(Object.keys(cancel.responses)).toEqual(expect.arrayContaining(['202', '409', '410']));
    expect(Object.keys(doc.paths['/codec/decode']!.post!.responses)).toContain('422');
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const secured = path.startsWith('/v1/') || path.startsWith('/codec/');
        expect(Boolean(op.security), `${method} ${path}`).toBe(secured);
        if (secured)
          expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
  });

  it('codec payloads and request bodies forbid unknown fields; hidden routes stay out', () => {
    const codec = doc.components.schemas.CodecPayloadsInput!;
    expect(codec.additionalProperties).toBe(false);
    expect(
      (codec.properties as { payloads: { items: Record<string, unknown> } }).payloads.items.additionalProperties,
    ).toBe(false);
    expect(doc.components.schemas.CreateErasureRequestInput!.additionalProperties).toBe(false);
    expect(
      Object.keys(doc.paths).filter((p) => p.includes('/ui/') || p.includes('openapi') || p.includes('*')),
    ).toEqual([]);
  });
});
