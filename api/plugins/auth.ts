import fp from 'fastify-plugin';
import type pg from 'pg';
import { ApiError } from '../errors';
import { verifyApiKey } from '../keys';
import { TokenBuckets } from '../rate-limit';
import type { RequestContext } from '../context';

const REALM = 'Bearer realm="hire10x-analytics"';

export interface AuthOptions {
  pool: pg.Pool;
  rateLimitPerMinute: number;
  clock: () => Date;
}

/**
 * Every request gets its context (`req.ctx`); a route whose config names a `scope` needs `Authorization: Bearer
 * h10x_…` (401 otherwise, looked up on every request so revocation is immediate), within the key's token bucket
 * (429 with Retry-After), holding the scope (403).
 */
export const authPlugin = fp<AuthOptions>(
  (app, opts, done) => {
    const buckets = new TokenBuckets(opts.rateLimitPerMinute, () => opts.clock().getTime());
    app.decorateRequest('ctx', null as unknown as RequestContext);
    app.addHook('onRequest', async (req) => {
      req.ctx = {};
      const scope = req.routeOptions.config.scope;
      if (!scope) return;
      const header = req.headers.authorization;
      const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : undefined;
      if (!token) {
        throw new ApiError(401, 'unauthorized', 'an API key is required: Authorization: Bearer h10x_…', undefined, {
          'www-authenticate': REALM,
        });
      }
      const check = await verifyApiKey(opts.pool, token);
      if (!check.ok) {
        const message = check.reason === 'revoked' ? 'the API key was revoked' : 'unknown or malformed API key';
        throw new ApiError(401, 'unauthorized', message, undefined, {
          'www-authenticate': `${REALM}, error="invalid_token"`,
        });
      }
      req.ctx.principal = check.principal;
      req.ctx.tenantId = check.principal.tenantId;
      const taken = buckets.take(check.principal.keyId);
      if (!taken.ok) {
        throw new ApiError(429, 'rate_limited', 'rate limit of this API key exhausted', undefined, {
          'retry-after': String(taken.retryAfterSeconds),
        });
      }
      if (!check.principal.scopes.has(scope)) {
        throw new ApiError(403, 'forbidden', `this API key lacks the scope ${scope}`);
      }
    });
    done();
  },
  { name: 'auth' },
);
