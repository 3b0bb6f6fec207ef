import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { type State } from '@temporalio/worker';

export interface HealthSources {
  /** The state of every worker this process runs. */
  states(): State[];
  /** Resolves when Temporal answers (getSystemInfo over the worker's client connection); rejects otherwise. */
  pingTemporal(): Promise<void>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** What `/readyz` decides from: pure, so the states the SDK can be in are covered without a server. */
export function readiness(states: State[], temporal: { ok: true } | { ok: false; error: string }) {
  const notPolling = states.filter((s) => s !== 'RUNNING');
  const ok = states.length > 0 && notPolling.length === 0 && temporal.ok;
  return {
    ok,
    workers: states,
    temporal: temporal.ok ? 'ok' : temporal.error,
  };
}

const TEMPORAL_PING_TIMEOUT_MS = 3_000;

/**
 * The worker's probe endpoint (WORKER_HEALTH_PORT):
 * - `GET /livez`: 200 while the event loop answers and no worker has FAILED (a blocked loop times the probe out);
 * - `GET /readyz`: 200 when every worker is RUNNING (polling its queue) and Temporal answers; 503 with the reason
 *   otherwise, including while draining after SIGTERM, so the pod leaves the Service endpoints at once.
 * No I/O but the Temporal ping; JSON bodies.
 */
export async function startHealthServer(
  sources: HealthSources,
  listen: { host: string; port: number },
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return reply(405, { error: 'GET only' });
    if (url === '/livez') {
      const states = sources.states();
      const failed = states.includes('FAILED');
      return reply(failed ? 503 : 200, { ok: !failed, workers: states });
    }
    if (url === '/readyz') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${TEMPORAL_PING_TIMEOUT_MS} ms`)),
          TEMPORAL_PING_TIMEOUT_MS,
        );
      });
      void Promise.race([sources.pingTemporal(), timeout])
        .then(
          () => ({ ok: true }) as const,
          (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }) as const,
        )
        .then((temporal) => {
          clearTimeout(timer);
          const r = readiness(sources.states(), temporal);
          reply(r.ok ? 200 : 503, r);
        });
      return;
    }
    return reply(404, { error: 'not found: /livez, /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
