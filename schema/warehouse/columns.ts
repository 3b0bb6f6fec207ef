import type { Column, ColumnType } from './types';

/**
 * Column builders shared by the table groups, so the same column means the same thing (type, mode, erasure)
 * in every table it appears in.
 */

type Extra = Partial<Pick<Column, 'mode' | 'pii'>>;

export const required = (name: string, type: ColumnType, description: string, extra: Extra = {}): Column => ({
  name,
  type,
  mode: 'REQUIRED',
  description,
  ...extra,
});

export const nullable = (name: string, type: ColumnType, description: string, extra: Extra = {}): Column => ({
  name,
  type,
  mode: 'NULLABLE',
  description,
  ...extra,
});

/** Personal data kept in clear for the few readers granted the policy tag; its erasure rule is in schema/erasure. */
export const personal = (name: string, type: ColumnType, description: string): Column => ({
  name,
  type,
  mode: 'NULLABLE',
  description,
  pii: true,
});

export const eventDate = (what = 'the event'): Column =>
  required('event_date', 'DATE', `UTC calendar date of ${what}; the partition column.`);

export const tenantId = (): Column =>
  required('tenant_id', 'STRING', 'Source tenants.tenant_id of the tenant the row belongs to.');

/** A user id in a fact: replaced by the person's pseudonym on erasure (schema/erasure) so counts survive. */
export const userIdInFact = (mode: 'REQUIRED' | 'NULLABLE', description: string): Column => ({
  name: 'user_id',
  type: 'STRING',
  mode,
  description,
});

/** The source event's id, always named event_id here (sources call it event_id, request_id or check_id). */
export const eventId = (source: string, sourceColumn = 'event_id'): Column =>
  required('event_id', 'STRING', `Source ${source}.${sourceColumn}; unique per partition (idempotent reloads).`);

export const occurredAt = (source: string): Column =>
  required('occurred_at', 'TIMESTAMP', `When the ${source} event happened (UTC); event_date is its date.`);

export const reportDate = (): Column =>
  required('report_date', 'DATE', 'UTC calendar date the figures describe; the partition column.');
