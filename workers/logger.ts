import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

/** One JSON object per line on stdout: what log shippers (Cloud Logging, Loki) parse without configuration. */
export function jsonLine(level: string, message: string, meta?: Record<string, unknown>, timeMs = Date.now()): string {
  return JSON.stringify(
    { time: new Date(timeMs).toISOString(), level: level.toLowerCase(), message, ...meta },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
}

export function createJsonLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
) {
  return new DefaultLogger(level, (entry: LogEntry) => {
    write(jsonLine(entry.level, entry.message, entry.meta, Number(entry.timestampNanos / 1_000_000n)));
  });
}
