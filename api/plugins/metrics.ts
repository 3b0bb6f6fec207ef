import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The API's Prometheus registry (`app.metricsRegistry`, served by routes/probes.ts): process defaults and
 * `http_request_duration_seconds{method,route,status_code}`, labelled by route pattern (`unmatched` for 404s).
 */
export const metricsPlugin = fp(
  (app, _opts, done) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.decorate('metricsRegistry', registry);
    app.addHook('onResponse', async (req, reply) => {
      const route = req.is404 ? 'unmatched' : (req.routeOptions.url ?? 'unmatched');
      duration.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
    done();
  },
  { name: 'metrics' },
);
