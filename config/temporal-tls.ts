import fs from 'node:fs';
import { ConfigError, type Config } from './index';

/** The `tls` connection option for every Temporal connection (worker, API, CLI): the SDK's TLSConfig shape. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/**
 * Reads the TEMPORAL_TLS_* files named by the configuration: undefined (plaintext, the dev server) when none is set;
 * a file that cannot be read is a ConfigError naming the variable, before any connection is tried.
 */
export function temporalTls(config: Pick<Config, 'temporal'>): TemporalTls | undefined {
  const tls = config.temporal.tls;
  if (!tls) return undefined;
  const issues: string[] = [];
  const read = (variable: string, file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      issues.push(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return undefined;
    }
  };
  const crt = read('TEMPORAL_TLS_CERT', tls.certFile);
  const key = read('TEMPORAL_TLS_KEY', tls.keyFile);
  const ca = read('TEMPORAL_TLS_CA', tls.caFile);
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
  };
}
