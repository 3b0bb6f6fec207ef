import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotification {
  text: string;
}

/**
 * A real HTTP endpoint standing in for a Slack-compatible webhook: it records every JSON body posted to it, so tests
 * check what the Notifier actually sent over the wire.
 */
export async function startWebhookReceiver(): Promise<{
  url: string;
  received: ReceivedNotification[];
  close(): Promise<void>;
}> {
  const received: ReceivedNotification[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as ReceivedNotification);
        res.writeHead(200).end('ok');
      } catch {
        res.writeHead(400).end('not json');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/test`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
