import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes every agentrent workflow may set, so operators can find any workflow
 * in the Temporal UI by the business objects it touches. Registered by `npm run dev`, by the
 * test harness and by the docker-compose one-shot. Workflow-safe (pure definitions).
 * At most 10 Keyword attributes: the dev server's SQLite visibility store allows no more.
 */
export const SA = {
  /** Every account involved: renter, owner, bot, creator, worker. */
  AccountIds: defineSearchAttributeKey('AccountIds', SearchAttributeType.KEYWORD_LIST),
  AgentId: defineSearchAttributeKey('AgentId', SearchAttributeType.KEYWORD),
  RentalId: defineSearchAttributeKey('RentalId', SearchAttributeType.KEYWORD),
  RenterId: defineSearchAttributeKey('RenterId', SearchAttributeType.KEYWORD),
  TaskId: defineSearchAttributeKey('TaskId', SearchAttributeType.KEYWORD),
  AcceptanceId: defineSearchAttributeKey('AcceptanceId', SearchAttributeType.KEYWORD),
  CreatorId: defineSearchAttributeKey('CreatorId', SearchAttributeType.KEYWORD),
  WorkerId: defineSearchAttributeKey('WorkerId', SearchAttributeType.KEYWORD),
  /** The id of the object the workflow is about when none of the above: delivery, withdrawal, deposit. */
  SubjectId: defineSearchAttributeKey('SubjectId', SearchAttributeType.KEYWORD),
  /** What the workflow is: rental, task-review, webhook-delivery, deposit, withdrawal … */
  WorkflowKind: defineSearchAttributeKey('WorkflowKind', SearchAttributeType.KEYWORD),
  /** The business status, kept current by the workflow (active, ending_soon, ended …). */
  BusinessStatus: defineSearchAttributeKey('BusinessStatus', SearchAttributeType.KEYWORD),
} as const;

/** Name → Temporal CLI type name, for `temporal server start-dev --search-attribute` and operator calls. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, 'Keyword' | 'KeywordList'> = Object.fromEntries(
  Object.values(SA).map((key) => [
    key.name,
    key.type === SearchAttributeType.KEYWORD_LIST ? 'KeywordList' : 'Keyword',
  ]),
);
