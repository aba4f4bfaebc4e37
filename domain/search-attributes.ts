import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every agentrent workflow may set, so operators can find any workflow
 * in the Temporal UI by the business objects it touches. Registered by `npm run dev`,
 * `npm run dev:cluster`, the test harness and the docker-compose one-shot. Workflow-safe.
 *
 * Budget: Temporal's SQL visibility (Postgres/MySQL/SQLite) has 10 Keyword, 3 KeywordList and
 * 3 Int slots per namespace. We use at most 7 Keyword (headroom for an operator's own), and
 * AccountIds (KeywordList) stands for renter, owner, bot, creator and worker alike.
 * Times need no attribute of ours: StartTime, CloseTime and ExecutionTime are built in.
 */
export const SA = {
  /** Every account involved: renter, owner, bot, creator, worker. */
  AccountIds: defineSearchAttributeKey('AccountIds', SearchAttributeType.KEYWORD_LIST),
  AgentId: defineSearchAttributeKey('AgentId', SearchAttributeType.KEYWORD),
  RentalId: defineSearchAttributeKey('RentalId', SearchAttributeType.KEYWORD),
  TaskId: defineSearchAttributeKey('TaskId', SearchAttributeType.KEYWORD),
  AcceptanceId: defineSearchAttributeKey('AcceptanceId', SearchAttributeType.KEYWORD),
  /** The id of the object the workflow is about when none of the above: delivery, withdrawal, deposit. */
  SubjectId: defineSearchAttributeKey('SubjectId', SearchAttributeType.KEYWORD),
  /** What the workflow is: rental, task-review, webhook-delivery, deposit, withdrawal … */
  WorkflowKind: defineSearchAttributeKey('WorkflowKind', SearchAttributeType.KEYWORD),
  /** The business status, kept current by the workflow (active, ending_soon, ended …). */
  BusinessStatus: defineSearchAttributeKey('BusinessStatus', SearchAttributeType.KEYWORD),
  /** The money the workflow moves, in micro-USDT (reward, deposit, withdrawal): `AmountMicro > 1000000000`. */
  AmountMicro: defineSearchAttributeKey('AmountMicro', SearchAttributeType.INT),
} as const;

/**
 * Keys no longer registered (AccountIds covers them). Only histories recorded before the
 * `SEARCH_ATTRIBUTES_V2` patch still upsert them; nothing new sets them.
 */
export const LEGACY_SA = {
  RenterId: defineSearchAttributeKey('RenterId', SearchAttributeType.KEYWORD),
} as const;

/** patched() id guarding workflow upserts that dropped the legacy keys. */
export const SEARCH_ATTRIBUTES_V2 = 'search-attributes-sql-visibility';

export type SearchAttributeCliType = 'Keyword' | 'KeywordList' | 'Int' | 'Datetime';

const CLI_TYPE: Partial<Record<SearchAttributeType, SearchAttributeCliType>> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DATETIME]: 'Datetime',
};

/** Name → Temporal CLI type name, for `temporal server start-dev --search-attribute` and operator calls. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, SearchAttributeCliType> = Object.fromEntries(
  Object.values(SA).map((key) => [key.name, CLI_TYPE[key.type]!]),
);

/** CLI type name → temporal.api.enums.v1.IndexedValueType, for operatorService.addSearchAttributes. */
export const INDEXED_VALUE_TYPES: Record<SearchAttributeCliType, number> = {
  Keyword: 2,
  Int: 3,
  Datetime: 6,
  KeywordList: 7,
};
