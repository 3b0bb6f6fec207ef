import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/**
 * A function registered with the Functions Framework (functions/register.ts), served by the framework's own server
 * (`getTestServer`: its body parsers, CloudEvent decoding and error handling) on a free local port.
 */
export async function serveFunction(name: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = getTestServer(name);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Posts a CloudEvent in binary content mode, the way Eventarc delivers it to a 2nd gen function. */
export async function postCloudEvent(
  url: string,
  event: { type: string; source: string; subject?: string; data: unknown; id?: string },
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': event.id ?? randomUUID(),
      'ce-type': event.type,
      'ce-source': event.source,
      'ce-time': new Date().toISOString(),
      ...(event.subject ? { 'ce-subject': event.subject } : {}),
    },
    body: JSON.stringify(event.data),
  });
}

/** A structured log recorder standing in for stdout (functions/log.ts), so tests see what a function decided. */
export function recordingLog() {
  const entries: { severity: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = (severity: string, message: string, fields: object = {}) => {
    entries.push({ severity, message, fields: fields as Record<string, unknown> });
  };
  return { log, entries };
}
