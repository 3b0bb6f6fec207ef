import type { FastifyError, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import fp from 'fastify-plugin';
import { type z } from 'zod';
import { ApiError, fieldErrors } from '../errors';

/** Fastify's own errors (body parsing, media type, size) as the API's error shape; never a 500 for bad input. */
function fromFastifyError(err: FastifyError): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', 'request body too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_json', 'the body is empty but Content-Type says application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', 'Content-Length does not match the body');
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ApiError(400, 'invalid_json', 'the body is not valid JSON');
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'bad_request', err.message);
  }
  return undefined;
}

/** Temporal or PostgreSQL down: a 503 the caller can retry, not a 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: string };
  return (
    e.code === 14 ||
    e.code === 'ECONNREFUSED' ||
    e.code === '57P01' ||
    e.name === 'ServiceError' ||
    e.name === 'TransportError'
  );
}

/**
 * Validates each request part with the route's zod schema and fails with the API's 400 `invalid_request`, whose
 * `fields` name every bad field (`body.userId`, `headers.idempotency-key`, `params.id`). An absent body is
 * validated as `{}`: a missing body names the missing fields, and a body-optional route accepts it.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data: unknown) => {
    const where = httpPart ?? 'body';
    const result = schema.safeParse(where === 'body' ? (data ?? {}) : data);
    if (result.success) return { value: result.data };
    return { error: new ApiError(400, 'invalid_request', `invalid ${where}`, fieldErrors(where, result.error)) };
  };

/**
 * Response schemas document the API (OpenAPI) and type the handlers; bodies are serialised as they are, as before
 * the schemas existed (the fuzz test checks that they conform to the document).
 */
export const jsonSerializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/** Route patterns and their methods, to answer 405 with `Allow` for a known path and an undeclared method. */
class MethodTable {
  private readonly routes: { pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, methods: string | string[]): void {
    const source = url
      .split(/(:[A-Za-z0-9_]+|\*)/)
      .map((part) =>
        part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    this.routes.push({ pattern: new RegExp(`^${source}$`), methods: new Set([methods].flat()) });
  }

  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const route of this.routes) if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    return [...methods].sort();
  }
}

/**
 * One error handler for the whole API (`{ error: { code, message, fields? } }`, never internals on a 5xx), the
 * not-found handler (404, or 405 with `Allow` when the path exists under other methods), and the zod compilers.
 */
export const errorsPlugin = fp(
  (app, _opts, done) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    app.setSerializerCompiler(jsonSerializerCompiler);
    const table = new MethodTable();
    app.addHook('onRoute', (route) => table.add(route.url, route.method));

    /** No route for this path and method: 405 with `Allow` when the path has other methods, else 404. */
    const unmatched = (method: string, url: string): ApiError => {
      const allowed = table.allowed(url.split('?')[0] ?? '');
      return allowed.length
        ? new ApiError(405, 'method_not_allowed', `${method} is not allowed here`, undefined, {
            allow: allowed.join(', '),
          })
        : new ApiError(404, 'not_found', 'no such route');
    };

    app.setErrorHandler((err: FastifyError, req, reply) => {
      // A request without a route can still fail earlier (a QUERY without Content-Type, a body it cannot parse):
      // the answer is still that there is no such route.
      let apiError = req.is404 ? unmatched(req.method, req.url) : err instanceof ApiError ? err : fromFastifyError(err);
      if (!apiError && isUnavailable(err)) {
        req.log.warn({ err }, 'dependency unavailable');
        apiError = new ApiError(
          503,
          'unavailable',
          'a dependency (Temporal or the platform store) is unavailable',
          undefined,
          { 'retry-after': '5' },
        );
      }
      if (!apiError) {
        req.log.error({ err }, 'unhandled error');
        apiError = new ApiError(500, 'internal_error', 'internal error');
      }
      if (req.ctx && (err as { denied?: boolean }).denied) req.ctx.denied = true;
      if (req.ctx) req.ctx.errorCode = apiError.code;
      void reply.status(apiError.statusCode).headers(apiError.headers).send(apiError.toJSON());
    });

    app.setNotFoundHandler((req, reply) => {
      req.ctx ??= {};
      const error = unmatched(req.method, req.url);
      req.ctx.errorCode = error.code;
      void reply.status(error.statusCode).headers(error.headers).send(error.toJSON());
    });
    done();
  },
  { name: 'errors' },
);
