import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { workflowUiUrl } from '../../config';
import { canSee, type ErasureRow, type ErasureService } from '../erasures';
import { notFound } from '../errors';
import {
  cancelAcceptedSchema,
  cancelErasureBody,
  certificateSchema,
  createErasureBody,
  createErasureHeaders,
  erasureAcceptedSchema,
  erasureRequestSchema,
  requestIdParams,
} from '../schemas';
import { AUTHENTICATED, errorResponses, json } from './responses';

export interface ErasureRoutesOptions {
  erasures: ErasureService;
  publicUrl: string;
  temporalUi: { url: string; namespace: string };
}

const write = [{ apiKey: ['gdpr:write'] }];
const read = [{ apiKey: ['gdpr:read'] }];

/** GDPR erasure requests: create (idempotent), status, cancel, certificate; the logic is api/erasures.ts. */
export const erasureRoutes: FastifyPluginCallbackZod<ErasureRoutesOptions> = (app, opts, done) => {
  const { erasures, publicUrl } = opts;
  const links = (row: ErasureRow) => {
    const self = `${publicUrl}/v1/gdpr/erasure-requests/${row.requestId}`;
    return {
      self,
      cancel: `${self}/cancel`,
      certificate: `${self}/certificate`,
      ui: workflowUiUrl(opts.temporalUi, row.workflowId, row.runId),
    };
  };
  /** What the audit row names: the request, its tenant, workflow and run (never the user). */
  const remember = (req: FastifyRequest, row: ErasureRow) => {
    req.ctx.resource = row.requestId;
    req.ctx.tenantId = row.tenantId;
    req.ctx.workflowId = row.workflowId;
    req.ctx.runId = row.runId;
  };
  const findRow = async (req: FastifyRequest, id: string): Promise<ErasureRow> => {
    req.ctx.resource = id;
    const row = await erasures.find(req.ctx.principal!, id);
    remember(req, row);
    return row;
  };

  app.post(
    '/v1/gdpr/erasure-requests',
    {
      config: { scope: 'gdpr:write', action: 'gdpr.erasure.create' },
      schema: {
        operationId: 'createErasureRequest',
        summary: 'Request the erasure of a user (idempotent)',
        security: write,
        headers: createErasureHeaders,
        body: createErasureBody,
        response: {
          202: json(erasureAcceptedSchema, 'Accepted: the new request, or the existing one for this key or user'),
          ...errorResponses(...AUTHENTICATED, 404, 413, 415, 422),
        },
      },
    },
    async (req, reply) => {
      const principal = req.ctx.principal!;
      req.ctx.tenantId = req.body.tenantId;
      if (!canSee(principal, req.body.tenantId)) {
        req.ctx.denied = true;
        throw notFound('tenant');
      }
      const { row, replayed } = await erasures.create(principal, req.body, req.headers['idempotency-key']);
      remember(req, row);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply
        .status(202)
        .send({ requestId: row.requestId, workflowId: row.workflowId, status: 'accepted', links: links(row) });
    },
  );

  app.get(
    '/v1/gdpr/erasure-requests/:id',
    {
      config: { scope: 'gdpr:read', action: 'gdpr.erasure.status' },
      schema: {
        operationId: 'getErasureRequest',
        summary: 'Status of a request (stage, per-step results, timestamps)',
        security: read,
        params: requestIdParams,
        response: {
          200: json(erasureRequestSchema, 'The request and its saga status'),
          ...errorResponses(...AUTHENTICATED, 404, 410),
        },
      },
    },
    async (req) => {
      const row = await findRow(req, req.params.id);
      const view = await erasures.view(row);
      return {
        requestId: row.requestId,
        workflowId: row.workflowId,
        runId: row.runId,
        state: view.state,
        execution: view.execution,
        status: view.status,
        links: links(row),
      };
    },
  );

  app.post(
    '/v1/gdpr/erasure-requests/:id/cancel',
    {
      config: { scope: 'gdpr:write', action: 'gdpr.erasure.cancel', optionalBody: true },
      schema: {
        operationId: 'cancelErasureRequest',
        summary: 'Cancel before the point of no return',
        security: write,
        params: requestIdParams,
        body: cancelErasureBody,
        response: {
          202: json(cancelAcceptedSchema, 'Cancel accepted; compensation runs'),
          ...errorResponses(...AUTHENTICATED, 404, 409, 410, 413, 415),
        },
      },
    },
    async (req, reply) => {
      const row = await findRow(req, req.params.id);
      const status = await erasures.cancel(row, {
        requestedBy: req.body.requestedBy ?? req.ctx.principal!.keyId,
        ...(req.body.reason !== undefined ? { reason: req.body.reason } : {}),
      });
      return reply.status(202).send({ requestId: row.requestId, state: status.state, status });
    },
  );

  app.get(
    '/v1/gdpr/erasure-requests/:id/certificate',
    {
      config: { scope: 'gdpr:read', action: 'gdpr.erasure.certificate' },
      schema: {
        operationId: 'getErasureCertificate',
        summary: 'The deletion certificate of a completed request',
        security: read,
        params: requestIdParams,
        response: {
          200: json(certificateSchema, 'The certificate'),
          ...errorResponses(...AUTHENTICATED, 404, 409, 410),
        },
      },
    },
    async (req) => erasures.certificate(await findRow(req, req.params.id)),
  );
  done();
};
