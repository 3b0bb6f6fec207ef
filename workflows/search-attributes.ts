import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The project's custom search attributes. The same names and types are registered on the dev server by
 * `analytics dev up` (cli/dev/services.ts reads SEARCH_ATTRIBUTES) and must exist on any production namespace.
 */
export const Pipeline = defineSearchAttributeKey('Pipeline', SearchAttributeType.KEYWORD);
export const LogicalDate = defineSearchAttributeKey('LogicalDate', SearchAttributeType.DATETIME);
export const Stage = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);
export const TenantId = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const RequestId = defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD);

/** Name → server type, as `temporal server start-dev --search-attribute K=Type` and `temporal operator` take it. */
export const SEARCH_ATTRIBUTES = {
  Pipeline: 'Keyword',
  LogicalDate: 'Datetime',
  Stage: 'Keyword',
  TenantId: 'Keyword',
  RequestId: 'Keyword',
} as const;
