import { LEAKED_EMAIL_DOMAINS, USER_AGENTS } from './catalog';
import { BatchWriter, formatTimestamp as ts, NULL, type CopyBatch } from './copy-text';
import { LOCKOUT_AFTER, planAttacks, type Attack } from './incidents';
import { person, strangerEmail, tenantName } from './people';
import { hash32, Xoshiro128 } from './prng';
import { TOKEN_REFRESH_MS } from './session-model';
import { sessionIp, SessionStream } from './sessions';
import { SALT, type World } from './world';

type AuthType = 'login_success' | 'login_failure' | 'logout' | 'mfa_challenge' | 'password_reset' | 'token_refresh';

class AuthWriter {
  private nextId = 1;
  constructor(
    private readonly out: BatchWriter,
    private readonly world: World,
  ) {}

  row(
    at: number,
    tenant: number,
    user: number | null,
    email: string | null,
    type: AuthType,
    ip: string,
    agent: string,
    failure: string | null = null,
  ): void {
    // Pre-login steps of the window's first sessions would fall before the window: a day slice must not leak.
    if (at < this.world.windowStart || at >= this.world.windowEnd) return;
    this.out.row(
      `${this.nextId++}\t${tenant + 1}\t${user === null ? NULL : user + 1}\t${email ?? NULL}\t${type}\t${ip}\t` +
        `${agent}\t${failure ?? NULL}\t${ts(at)}`,
    );
  }
}

function emitAttack(a: Attack, w: World, auth: AuthWriter, r: Xoshiro128): void {
  const domain = tenantName(w, a.tenant).domain;
  const targetEmail = a.kind === 'brute_force' ? person(w, a.user, domain).email : '';
  const first = w.tenantUserStart[a.tenant] ?? 0;
  const size = (w.tenantUserStart[a.tenant + 1] ?? first + 1) - first;
  let at = a.start;
  for (let i = 0; i < a.attempts; i++) {
    at += Math.floor(a.intervalMs * (0.5 + r.next()));
    if (a.kind === 'brute_force') {
      const reason = i < LOCKOUT_AFTER ? 'invalid_password' : 'account_locked';
      auth.row(at, a.tenant, a.user, targetEmail, 'login_failure', a.ip, a.agent, reason);
    } else if (r.next() < 0.1) {
      // Some leaked addresses do belong to this tenant's users: the password is wrong, the account real.
      const user = first + r.int(size);
      auth.row(at, a.tenant, user, person(w, user, domain).email, 'login_failure', a.ip, a.agent, 'invalid_password');
    } else {
      const email = strangerEmail(r, LEAKED_EMAIL_DOMAINS[r.int(LEAKED_EMAIL_DOMAINS.length)] ?? 'gmail.com');
      auth.row(at, a.tenant, null, email, 'login_failure', a.ip, a.agent, 'unknown_user');
    }
  }
}

/**
 * A session's own auth trail (optional reset, typo, MFA, login, refreshes, logout), then each day's attacks:
 * brute force against one account and credential stuffing across many, each from a single address.
 */
export function* authEvents(w: World): Generator<CopyBatch> {
  const out = new BatchWriter();
  const auth = new AuthWriter(out, w);
  const r = new Xoshiro128(0);
  const attacks = planAttacks(w);
  const stream = new SessionStream(w);
  for (let day = 0; day < w.options.days; day++) {
    for (const s of stream.day(day)) {
      r.reseed(hash32(w.options.seed, SALT.auth, s.id));
      const u = s.user;
      const t = s.tenant;
      const { email } = person(w, u);
      const ip = sessionIp(w, s);
      const agent = USER_AGENTS[s.agent]?.ua ?? '';
      if (r.next() < 0.004) auth.row(s.start - (3 + r.int(8)) * 60_000, t, u, email, 'password_reset', ip, agent);
      if (r.next() < 0.06) {
        const at = s.start - (20 + r.int(40)) * 1000;
        if (r.next() < 0.75) auth.row(at, t, u, email, 'login_failure', ip, agent, 'invalid_password');
        else auth.row(at, t, null, email.slice(0, 2) + email.slice(3), 'login_failure', ip, agent, 'unknown_user');
      }
      if (w.tenantMfa[t]) auth.row(s.start - (5 + r.int(15)) * 1000, t, u, null, 'mfa_challenge', ip, agent);
      auth.row(s.start, t, u, email, 'login_success', ip, agent);
      for (let at = s.start + TOKEN_REFRESH_MS; at < s.spanEnd; at += TOKEN_REFRESH_MS) {
        auth.row(at, t, u, null, 'token_refresh', ip, agent);
      }
      if (!Number.isNaN(s.end) && r.next() < 0.55) auth.row(s.end, t, u, null, 'logout', ip, agent);
      if (out.full) yield out.take();
    }
    for (const a of attacks) {
      if (a.day !== day) continue;
      r.reseed(hash32(w.options.seed, SALT.auth, 0x7fffffff, a.start));
      emitAttack(a, w, auth, r);
      if (out.full) yield out.take();
    }
  }
  if (out.pending) yield out.take();
}
