import { z } from 'zod';
import { requestIdSchema } from '../workflows/gdpr-contract';
import { components, idempotencyKeySchema } from './schemas';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(id) } },
});
const plain = (schema: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  void _drop;
  return rest;
};

const errors = (...codes: number[]) => {
  const text: Record<number, string> = {
    400: 'Malformed request: `error.fields` names each bad field',
    401: 'Missing, unknown or revoked API key',
    403: 'The key lacks the scope',
    404: 'Unknown request (or of another tenant)',
    409: 'Conflict with the request state',
    413: 'Body too large',
    415: 'Unsupported media type',
    422: 'Idempotency-Key reused with a different body',
    429: 'Rate limit of the key exhausted (see Retry-After)',
    503: 'Temporal or a worker did not answer in time',
  };
  return Object.fromEntries(codes.map((c) => [String(c), json('Error', text[c] ?? 'Error')]));
};

const idParam = { name: 'id', in: 'path', required: true, schema: plain(requestIdSchema) };
const secured = (scope: string) => ({ security: [{ apiKey: [scope] }] });

/** The OpenAPI 3.1 document, generated from the zod schemas the routes validate with. */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const generated = z.toJSONSchema(components, { uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Record<string, unknown>>;
  };
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, s]) => {
      const { $schema: _s, $id: _i, ...rest } = s;
      void _s;
      void _i;
      return [id, rest];
    }),
  );
  const common = errors(400, 401, 403, 404, 429, 503);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hire10x analytics API',
      version: '1.0.0',
      description: 'GDPR erasure requests (saga workflows on Temporal), health, metrics and the Temporal UI codec.',
    },
    servers: [{ url: publicUrl }],
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'h10x_<prefix>_<secret>' },
      },
    },
    paths: {
      '/v1/gdpr/erasure-requests': {
        post: {
          operationId: 'createErasureRequest',
          summary: 'Request the erasure of a user (idempotent)',
          ...secured('gdpr:write'),
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: true, schema: plain(idempotencyKeySchema) }],
          requestBody: { required: true, content: { 'application/json': { schema: ref('CreateErasureRequest') } } },
          responses: {
            '202': json('ErasureAccepted', 'Accepted: the new request, or the existing one for this key or user'),
            ...common,
            ...errors(413, 415, 422),
          },
        },
      },
      '/v1/gdpr/erasure-requests/{id}': {
        get: {
          operationId: 'getErasureRequest',
          summary: 'Status of a request (stage, per-step results, timestamps)',
          ...secured('gdpr:read'),
          parameters: [idParam],
          responses: { '200': json('ErasureRequest', 'The request and its saga status'), ...common, ...errors(410) },
        },
      },
      '/v1/gdpr/erasure-requests/{id}/cancel': {
        post: {
          operationId: 'cancelErasureRequest',
          summary: 'Cancel before the point of no return',
          ...secured('gdpr:write'),
          parameters: [idParam],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: ref('CancelErasureRequest') } },
          },
          responses: {
            '202': json('CancelAccepted', 'Cancel accepted; compensation runs'),
            ...common,
            ...errors(409, 413, 415),
          },
        },
      },
      '/v1/gdpr/erasure-requests/{id}/certificate': {
        get: {
          operationId: 'getErasureCertificate',
          summary: 'The deletion certificate of a completed request',
          ...secured('gdpr:read'),
          parameters: [idParam],
          responses: {
            '200': json('ErasureCertificate', 'The certificate'),
            ...common,
            ...errors(409),
          },
        },
      },
      '/codec/encode': {
        post: {
          operationId: 'codecEncode',
          summary: 'Temporal codec server: encode payloads',
          ...secured('gdpr:read'),
          requestBody: { required: true, content: { 'application/json': { schema: ref('CodecPayloads') } } },
          responses: { '200': json('CodecPayloads', 'Encoded payloads'), ...errors(400, 401, 403, 413, 429) },
        },
      },
      '/codec/decode': {
        post: {
          operationId: 'codecDecode',
          summary: 'Temporal codec server: decode payloads (for the Web UI)',
          ...secured('gdpr:read'),
          requestBody: { required: true, content: { 'application/json': { schema: ref('CodecPayloads') } } },
          responses: { '200': json('CodecPayloads', 'Decoded payloads'), ...errors(400, 401, 403, 413, 429) },
        },
      },
      '/healthz': { get: { operationId: 'health', responses: { '200': json('Health', 'Alive') } } },
      '/readyz': {
        get: {
          operationId: 'ready',
          responses: { '200': json('Readiness', 'Ready'), '503': json('Readiness', 'Not ready') },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': {} } } },
        },
      },
    },
  };
}
