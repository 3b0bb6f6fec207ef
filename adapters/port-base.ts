/** What every port shares: a liveness probe result and a close. */
/** Result of a cheap liveness probe; `detail` is a short human-readable fact (version, address). */
export interface Probe {
  detail: string;
}

export interface Closeable {
  close(): Promise<void>;
}
