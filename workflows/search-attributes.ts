import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The project's custom search attributes. The same names and types are registered on the dev server by
 * `analytics dev up` (cli/dev/services.ts reads SEARCH_ATTRIBUTES) and must exist on any production namespace.
 */
export const Pipeline = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
/**
 * The data day a run is about, as `YYYY-MM-DD`. A Keyword, not a Datetime: the UI's search box then finds a day by
 * equality (`LogicalDate="2026-11-27"`), which a Datetime never matches on the dev server's SQLite visibility, and
 * the fixed-width ISO form keeps range queries (`LogicalDate >= "2026-11-01"`, `BETWEEN`) correct on every store.
 */
export const LogicalDate = defineSearchAttributeKey('LogicalDate', SearchAttributeType.KEYWORD);
export const Stage = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const TenantId = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const RequestId = defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD);
/** Stream consumers (workflow `streamConsumer`): the shard, its state, its lag and dead letters, its last window. */
export const StreamShard = defineSearchAttributeKey('StreamShard', SearchAttributeType.INT);
export const StreamState = defineSearchAttributeKey('StreamState', SearchAttributeType.KEYWORD);
export const StreamLag = defineSearchAttributeKey('StreamLag', SearchAttributeType.INT);
export const StreamDeadLetters = defineSearchAttributeKey('StreamDeadLetters', SearchAttributeType.INT);
/** The last closed window's start, `YYYY-MM-DDTHH:MM` (a Keyword, for the reason LogicalDate is one). */
export const StreamLastWindow = defineSearchAttributeKey('StreamLastWindow', SearchAttributeType.KEYWORD);

/** Name → server type, as `temporal server start-dev --search-attribute K=Type` and `temporal operator` take it. */
export const SEARCH_ATTRIBUTES = {
  Pipeline: 'Keyword',
  LogicalDate: 'Keyword',
  Stage: 'Keyword',
  TenantId: 'Keyword',
  RequestId: 'Keyword',
  StreamShard: 'Int',
  StreamState: 'Keyword',
  StreamLag: 'Int',
  StreamDeadLetters: 'Int',
  StreamLastWindow: 'Keyword',
} as const;
