import { timingSafeEqual } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CodecHttpError, handleCodecRequest, type CodecHttpBody } from '../../security/codec-http';
import { ApiError } from '../errors';
import { codecBody, codecHeaders } from '../schemas';
import { errorResponses, json } from './responses';

const CODEC_BODY_LIMIT = 4 * 1024 * 1024;

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** Capability token of `/codec/ui/<token>/…`; undefined disables the path. */
  uiCodecToken?: string;
  bodyLimitBytes: number;
}

/**
 * The Temporal Web UI codec server. Two ways in, one handler: an API key with gdpr:read (`/codec/{encode,decode}`),
 * or the Web UI's capability path, whose token in the URL stands in for the key (a UI without SSO cannot send one).
 */
export const codecRoutes: FastifyPluginCallbackZod<CodecRoutesOptions> = (app, opts, done) => {
  const uiToken = opts.uiCodecToken ? Buffer.from(opts.uiCodecToken) : undefined;
  // A UI history page of payloads can exceed the API's body limit.
  const bodyLimit = Math.max(CODEC_BODY_LIMIT, opts.bodyLimitBytes);
  const run = async (req: FastifyRequest, direction: 'encode' | 'decode', body: CodecHttpBody, resource: string) => {
    req.ctx.resource = resource;
    try {
      return await handleCodecRequest(opts.codec, direction, body);
    } catch (err) {
      if (err instanceof CodecHttpError) {
        throw new ApiError(err.status, err.status === 400 ? 'invalid_request' : 'codec_failed', err.message);
      }
      throw err;
    }
  };

  for (const direction of ['encode', 'decode'] as const) {
    app.post(
      `/codec/${direction}`,
      {
        bodyLimit,
        config: { scope: 'gdpr:read', action: `codec.${direction}` },
        schema: {
          operationId: `codec${direction === 'encode' ? 'Encode' : 'Decode'}`,
          summary: `Temporal codec server: ${direction} payloads${direction === 'decode' ? ' (for the Web UI)' : ''}`,
          security: [{ apiKey: ['gdpr:read'] }],
          headers: codecHeaders,
          body: codecBody,
          response: {
            200: json(codecBody, direction === 'encode' ? 'Encoded payloads' : 'Decoded payloads'),
            ...errorResponses(400, 401, 403, 413, 415, 422, 429, 503),
          },
        },
      },
      (req) => run(req, direction, req.body, `codec.${direction}`),
    );
    app.post(
      `/codec/ui/:token/${direction}`,
      {
        bodyLimit,
        config: { action: `codec.ui.${direction}` },
        schema: { hide: true, params: z.object({ token: z.string() }), headers: codecHeaders, body: codecBody },
        // The token is checked before the body is validated, as an API key would be.
        preValidation: (req, _reply, next) => {
          const given = Buffer.from((req.params as { token?: string }).token ?? '');
          if (!uiToken || given.length !== uiToken.length || !timingSafeEqual(given, uiToken)) {
            req.ctx.denied = true;
            next(new ApiError(401, 'unauthorized', 'unknown codec token'));
            return;
          }
          next();
        },
      },
      (req) => run(req, direction, req.body, `codec.ui.${direction}`),
    );
  }
  done();
};
