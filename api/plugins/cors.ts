import fp from 'fastify-plugin';
import { codecOrigins } from '../codec';

/**
 * CORS for the codec routes, which the Temporal Web UI calls from its own origin: that origin (and its loopback
 * alias) is echoed with credentials allowed, and `OPTIONS /codec/*` answers the preflight.
 */
export const corsPlugin = fp<{ uiUrl: string }>(
  (app, opts, done) => {
    const origins = codecOrigins(opts.uiUrl);
    app.addHook('onRequest', async (req, reply) => {
      if (!req.url.startsWith('/codec/')) return;
      const origin = req.headers.origin;
      if (origin && origins.has(origin)) {
        // Credentials mode 'include' (the UI's "include cross-origin credentials") forbids `*`: echo the origin.
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-allow-credentials', 'true');
      }
      reply.header('vary', 'Origin');
    });
    app.options('/codec/*', { schema: { hide: true } }, async (_req, reply) =>
      reply
        .status(204)
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'Authorization, Content-Type, X-Namespace')
        .header('access-control-max-age', '600')
        .send(),
    );
    done();
  },
  { name: 'cors' },
);
