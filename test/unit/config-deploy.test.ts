import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config';
import { temporalTls } from '../../config/temporal-tls';

/** The keys the Kubernetes deployment sets: queues per process, probes, drain, build id, mTLS to Temporal Cloud. */
describe('deployment configuration', () => {
  it('serves every queue by default, a named subset when WORKER_TASK_QUEUES says so, and refuses unknown ones', () => {
    expect(parseConfig({}).worker.serves).toEqual(['etl', 'gdpr', 'stream']);
    expect(parseConfig({ WORKER_TASK_QUEUES: ' gdpr ,gdpr' }).worker.serves).toEqual(['gdpr']);
    expect(() => parseConfig({ WORKER_TASK_QUEUES: 'etl,batch' })).toThrow(/WORKER_TASK_QUEUES/);
    expect(() => parseConfig({ WORKER_TASK_QUEUES: ',' })).toThrow(/WORKER_TASK_QUEUES/);
  });

  it('is unversioned without WORKER_BUILD_ID and joins the Worker Deployment with it', () => {
    expect(parseConfig({}).worker.deployment).toBeUndefined();
    expect(parseConfig({ WORKER_BUILD_ID: 'abc123' }).worker.deployment).toEqual({
      name: 'hire10x-analytics',
      buildId: 'abc123',
    });
    expect(() => parseConfig({ WORKER_BUILD_ID: 'a b' })).toThrow(/WORKER_BUILD_ID/);
  });

  it('reads the mTLS pair and CA from files, and names the variable of a file it cannot read', () => {
    expect(temporalTls(parseConfig({}))).toBeUndefined();
    expect(() => parseConfig({ TEMPORAL_TLS_CERT: '/x.crt' })).toThrow(/TEMPORAL_TLS_KEY/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    try {
      fs.writeFileSync(path.join(dir, 'c.crt'), 'CERT');
      fs.writeFileSync(path.join(dir, 'c.key'), 'KEY');
      const tls = temporalTls(
        parseConfig({
          TEMPORAL_TLS_CERT: path.join(dir, 'c.crt'),
          TEMPORAL_TLS_KEY: path.join(dir, 'c.key'),
          TEMPORAL_TLS_SERVER_NAME: 'ns.acct.tmprl.cloud',
        }),
      );
      expect(tls?.clientCertPair?.crt.toString()).toBe('CERT');
      expect(tls?.clientCertPair?.key.toString()).toBe('KEY');
      expect(tls?.serverNameOverride).toBe('ns.acct.tmprl.cloud');
      expect(tls?.serverRootCACertificate).toBeUndefined();
      const missing = parseConfig({ TEMPORAL_TLS_CA: path.join(dir, 'nope.pem') });
      expect(() => temporalTls(missing)).toThrow(ConfigError);
      expect(() => temporalTls(missing)).toThrow(/TEMPORAL_TLS_CA: cannot read .*nope\.pem \(ENOENT\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
