/**
 * Structured logs as Cloud Logging reads them from a function's stdout: one JSON object per line with `severity` and
 * `message` (Error Reporting picks up ERROR entries that carry a stack). Never log event bodies: they hold personal data.
 */
export type Log = (severity: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR', message: string, fields?: object) => void;

export const jsonLog: Log = (severity, message, fields = {}) => {
  process.stdout.write(`${JSON.stringify({ severity, message, ...fields })}\n`);
};
