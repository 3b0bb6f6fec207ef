/**
 * The per-session shape of activity. The event budget is met by choosing how many sessions to generate:
 * sessions = events / EVENTS_PER_SESSION, and every other event table hangs off the sessions.
 */

/** Session length: lognormal (most are short, a few last all day), capped at a working day. */
export const SESSION_MEDIAN_MS = 18 * 60_000;
export const SESSION_SIGMA = 1.1;
export const SESSION_MAX_MS = 10 * 3_600_000;
/** Mean of the capped lognormal above (closed form, precomputed): longer sessions carry proportionally more events. */
export const SESSION_MEAN_MS = 32.8 * 60_000;

/** Mean rows per session in each table, for a session of mean length. */
export const PER_SESSION = {
  activity: 8,
  api: 4,
  permission: 1.5,
  collaboration: 0.6,
} as const;

/** Requests made with API keys (no user), as a share of all api_requests. */
export const INTEGRATION_SHARE = 0.08;

/** A token refresh every this often while a session lasts. */
export const TOKEN_REFRESH_MS = 45 * 60_000;

/** Measured auth rows per session (login, MFA, typos, refreshes, logout), attacks excluded. */
const AUTH_PER_SESSION = 2.3;

export const EVENTS_PER_SESSION =
  1 +
  PER_SESSION.activity +
  PER_SESSION.api / (1 - INTEGRATION_SHARE) +
  PER_SESSION.permission +
  PER_SESSION.collaboration +
  AUTH_PER_SESSION;
