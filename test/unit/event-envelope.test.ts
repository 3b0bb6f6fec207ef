import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_REASONS,
  MAX_EVENT_BYTES,
  parseEvent,
  serializeEvent,
  type StreamEvent,
} from '../../schema/events';

/** The real-time event contract: every valid type parses, every kind of bad message is refused with its reason. */
const valid: StreamEvent[] = [
  {
    schema_version: 1,
    event_id: '0b5f4b7e-6a41-4c2f-9d1e-3f2a1b0c9d8e',
    type: 'auth.attempt',
    tenant_id: '12',
    user_id: '345',
    occurred_at: '2026-12-05T10:00:00.123Z',
    payload: { outcome: 'failure', failure_reason: 'invalid_password', attempted_email: 'a@b.co', ip: '10.1.2.3' },
  },
  {
    schema_version: 1,
    event_id: '1b5f4b7e-6a41-4c2f-9d1e-3f2a1b0c9d8e',
    type: 'session.start',
    tenant_id: '12',
    user_id: '345',
    occurred_at: '2026-12-05T10:00:00.000Z',
    payload: { session_id: '99', device: 'mobile', ip: '2001:db8::1' },
  },
  {
    schema_version: 1,
    event_id: '2b5f4b7e-6a41-4c2f-9d1e-3f2a1b0c9d8e',
    type: 'session.end',
    tenant_id: '12',
    occurred_at: '2026-12-05T10:05:00.000Z',
    payload: { session_id: '99' },
  },
  {
    schema_version: 1,
    event_id: '3b5f4b7e-6a41-4c2f-9d1e-3f2a1b0c9d8e',
    type: 'feature.used',
    tenant_id: '12',
    user_id: '345',
    occurred_at: '2026-12-05T10:01:00.000Z',
    payload: { feature: 'candidate_search', action: 'search', session_id: '99' },
  },
  {
    schema_version: 1,
    event_id: '4b5f4b7e-6a41-4c2f-9d1e-3f2a1b0c9d8e',
    type: 'api.request',
    tenant_id: '12',
    occurred_at: '2026-12-05T10:01:00.000Z',
    payload: { endpoint: '/api/v1/jobs/:id', method: 'GET', status: 503, latency_ms: 1200 },
  },
];

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const reasonOf = (data: Buffer) => {
  const r = parseEvent(data);
  return r.ok ? 'ok' : r.reason;
};

describe('event envelope', () => {
  it.each(valid)('parses a valid $type and round-trips it', (event) => {
    const r = parseEvent(serializeEvent(event));
    expect(r).toEqual({ ok: true, event });
  });

  it('refuses each kind of bad message with its reason, in the documented order', () => {
    const base = valid[0]!;
    expect(reasonOf(Buffer.from('x'.repeat(MAX_EVENT_BYTES + 1)))).toBe('oversized');
    expect(reasonOf(Buffer.from('{"schema_version":1,'))).toBe('malformed_json');
    expect(reasonOf(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))).toBe('malformed_json'); // not UTF-8
    expect(reasonOf(Buffer.from('[1,2]'))).toBe('malformed_json');
    expect(reasonOf(bytes({ ...base, schema_version: 2 }))).toBe('unsupported_version');
    expect(reasonOf(bytes({ ...base, schema_version: undefined }))).toBe('unsupported_version');
    expect(reasonOf(bytes({ ...base, type: 'candidate.hired' }))).toBe('unknown_type');
    expect(reasonOf(bytes({ ...base, tenant_id: 12 }))).toBe('invalid_envelope');
    expect(reasonOf(bytes({ ...base, event_id: 'not-a-uuid' }))).toBe('invalid_envelope');
    expect(reasonOf(bytes({ ...base, occurred_at: 'yesterday' }))).toBe('invalid_envelope');
    expect(reasonOf(bytes({ ...base, extra: true }))).toBe('invalid_envelope');
    expect(reasonOf(bytes({ ...base, payload: { outcome: 'failure' } }))).toBe('invalid_payload');
    expect(reasonOf(bytes({ ...base, payload: { outcome: 'success', failure_reason: 'mfa_failed' } }))).toBe(
      'invalid_payload',
    );
    expect(reasonOf(bytes({ ...valid[4]!, payload: { ...valid[4]!.payload, status: 700 } }))).toBe('invalid_payload');
    expect(reasonOf(bytes({ ...valid[4]!, payload: { ...valid[4]!.payload, endpoint: 'jobs' } }))).toBe(
      'invalid_payload',
    );
    // A session start must name its user.
    expect(reasonOf(bytes({ ...valid[1]!, user_id: undefined }))).toBe('invalid_envelope');
  });

  it('explains a refusal without quoting personal values, within 2 KiB', () => {
    const r = parseEvent(bytes({ ...valid[0]!, payload: { outcome: 'failure', attempted_email: 'secret@x.io' } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.detail).toMatch(/failure_reason/);
    expect(r.detail).not.toContain('secret@x.io');
    const long = parseEvent(
      bytes({ ...valid[0]!, ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i])) }),
    );
    expect(long.ok || long.detail.length <= 2048).toBe(true);
  });

  it('lists every reason the parser and the processor use', () => {
    expect(DEAD_LETTER_REASONS).toEqual([
      'oversized',
      'malformed_json',
      'unsupported_version',
      'unknown_type',
      'invalid_envelope',
      'invalid_payload',
      'too_late',
      'from_future',
    ]);
  });
});
