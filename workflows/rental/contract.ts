/**
 * The contract of a rental (`rental-<rental_id>`): the only door into the rental workflow for the
 * API, activities, the worker and tests. Ids, messages, input and view types, limits clients
 * validate against, and the start options every start uses. Importable by workflow code and
 * clients alike: `@temporalio/workflow` message definitions and pure modules only.
 *
 * Task queue: the platform's one queue (TEMPORAL_TASK_QUEUE), passed in by the starter.
 */
import {
  type SearchAttributePair,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Micro } from '../../domain/money';
import type { ChatWithAgentResult } from '../../domain/rental-chat';
import { rentalCode, type Settlement } from '../../domain/rental-settlement';
import type { StoredRentalMessage } from '../../domain/rental-messages';
import type { RentalEndedBy, RentalStatus } from '../../domain/rental-store';
import type { RentalEndedReason, SilentSince } from '../../domain/rental-silence';
import { SA } from '../../domain/search-attributes';
import type { StartOptions } from '../contract-types';

/**
 * The workflow type registered with Temporal: the name its module exports (checked here), never
 * renamed (recorded histories name it).
 */
export const RENTAL_WORKFLOW_TYPE = 'rentalWorkflow';
/** The workflow function's type (checked against `workflow.ts` in workflows/contract-checks.ts). */
export type RentalWorkflow = (input: RentalInput) => Promise<RentalView>;

export const rentalWorkflowId = (rentalId: string) => `rental-${rentalId}`;

export const rentalStatusQuery = defineQuery<RentalView>('rentalStatus');
export const extendRentalUpdate = defineUpdate<RentalView, [ExtendRentalInput]>('extendRental');
export const endRentalUpdate = defineUpdate<RentalView, [EndRentalInput]>('endRental');
export const postRentalMessageUpdate = defineUpdate<StoredRentalMessage, [PostRentalMessageInput]>(
  'postRentalMessage',
);
export const chatWithAgentUpdate = defineUpdate<ChatWithAgentResult, [ChatWithAgentInput]>('chatWithAgent');
/**
 * Cancels a rental booked ahead before its start (renter or the bot's owner): the whole hold goes
 * back; answers with the settled view. 409 once it started.
 */
export const cancelRentalUpdate = defineUpdate<RentalView, [CancelRentalInput]>('cancelRental');
/** Update-with-start: answers once the hold is posted, or fails with the hold's error (402). */
export const rentalReservedUpdate = defineUpdate<RentalView>('rentalReserved');
/**
 * The API stored a renter's message the agent did not answer (a `/v1/chat` relay to a proxy agent
 * failed): a rental with a silence guard starts timing it. Sent only for rentals with one.
 */
export const renterMessageUnansweredSignal =
  defineSignal<[RenterMessageUnanswered]>('renterMessageUnanswered');

export interface RenterMessageUnanswered {
  /** The stored message's `seq` in the transcript. */
  seq: number;
}

export interface RentalParties {
  rentalId: string;
  agentId: string;
  agentName: string;
  renterId: string;
  renterUsername: string;
  /** Who earns: the bot's owner, or the bot itself when it has none. */
  ownerId: string;
}

/** What continue-as-new carries into the next run. */
export interface CarriedRentalState {
  startsAtMs: number;
  endsAtMs: number;
  paidMinutes: number;
  status: RentalStatus;
  warnedForEndsAtMs: number | null;
  warnings: number;
  nextSeq: number;
  lastBotMessage: { seq: number; content: string } | null;
  revision: number;
  /** Applied extensions, requestId → minutes, so a re-sent one is answered, not applied again. */
  extensions?: Record<string, number>;
  /** Bot messages owed to `/v1/chat` (see RentalState.unseenReplies). */
  unseenReplies?: Array<{ seq: number; content: string }> | null;
  /** The renter's message the silence guard is timing (see RentalState.silentSince). */
  silentSince?: SilentSince | null;
  /** The rental minute whose health check comes next (see RentalState.nextCheckMinute). */
  nextCheckMinute?: number;
}

export interface RentalInput extends RentalParties {
  minutes: number;
  pricePerMinute: Micro;
  channel: string;
  /** Set by the API so its answer and the workflow agree; otherwise the workflow's start time. */
  startsAtMs?: number;
  /**
   * The API already wrote the rentals row and the start notifications (in one statement, before
   * the start), so the first run need not.
   */
  startRecorded?: boolean;
  /**
   * The workflow holds the money itself as its first step (`reserveRental`) and answers the API's
   * `rentalReserved` update (update-with-start): no hold ever exists without this workflow.
   */
  holdFunds?: boolean;
  /**
   * Set by starters since the one-task start: the run is lean (LEAN_START) and routes events by
   * the bot's profile (EVENTS_FOLLOW_PROFILE) by this input instead of by patch markers, each of
   * which also costs the server a search-attribute upsert; and a `rental_request` the bot takes no
   * pushes for (`reserveRental` says so) is not routed through an activity: its notification came
   * with the row. Histories recorded before it replay their patches. Carried across runs.
   */
  oneTaskStart?: boolean;
  /**
   * Booked ahead (issue 25): the run holds the money and stays `scheduled` until `startsAtMs`
   * (required with it), then lives as any rental. Runs started before it never have it, so the
   * input is the version gate: no patch marker.
   */
  bookedAhead?: boolean;
  /**
   * The bot takes pushed events (integration `events` with a webhook_url), as of the start. Only
   * rentals recorded before events followed the bot's current profile read it.
   */
  eventsEnabled: boolean;
  /**
   * The silence guard (issue 25.4): a renter's message left unanswered by the agent this many
   * minutes ends the rental early, unused minutes refunded. Runs started before it never have it;
   * runs with it take the `silence-guard` patch.
   */
  maxSilenceMinutes?: number;
  /** Continue-as-new once the history has this many events (default 2000). */
  historyLimit?: number;
  carried?: CarriedRentalState;
}

export interface ExtendRentalInput {
  minutes: number;
  byAccountId: string;
  /** Keys the extra hold: one request, one posting, whatever retries. */
  requestId: string;
}

export interface EndRentalInput {
  byAccountId: string;
  reason?: string;
  /** An operator force-end (the API checked the admin role). */
  byOperator?: boolean;
}

export interface CancelRentalInput {
  byAccountId: string;
  reason?: string;
}

export interface PostRentalMessageInput {
  senderId: string;
  content: string;
  /**
   * The message's id, chosen by the caller (the API): a workflow task the worker loses after its
   * local activity stored the message is redone with the same id, so the store answers the row it
   * already wrote instead of a second copy under a new id. Absent in runs recorded before it.
   */
  messageId?: string;
}

export interface ChatWithAgentInput {
  message: string;
  channel?: string;
  renterId: string;
  /**
   * Epoch ms by which the API must have the answer (its request deadline, less a margin): the
   * chat's whole budget, queue wait included. Absent in histories recorded before it existed.
   */
  deadlineAtMs?: number;
  /**
   * The renter's message's id, chosen by the API (as PostRentalMessageInput.messageId): a workflow
   * task the worker loses after its local activity stored the message is redone under the same id,
   * so the store answers that row and the relay's claim holds, instead of a second copy relayed
   * again. Absent in runs recorded before it.
   */
  messageId?: string;
}

export interface RentalView {
  rentalId: string;
  status: RentalStatus;
  startsAt: string;
  endsAt: string;
  minutes: number;
  pricePerMinute: Micro;
  warnings: number;
  endedAt: string | null;
  endedBy: RentalEndedBy | null;
  /** `agent_silent`: the silence guard ended it; null for every other end. */
  endedReason: RentalEndedReason | null;
  reason: string | null;
  settled: boolean;
  settlement: Settlement | null;
}

export const MAX_MESSAGE_CHARS = 2000;
export const MAX_CHAT_CHARS = 10_000;

/** Search attributes of a rental run, so operators find it from the first second. */
export const rentalSearchAttributes = (input: RentalInput): SearchAttributePair[] => [
  { key: SA.WorkflowKind, value: 'rental' },
  { key: SA.BusinessStatus, value: input.bookedAhead ? 'scheduled' : 'active' },
  { key: SA.RentalId, value: input.rentalId },
  { key: SA.AgentId, value: input.agentId },
  { key: SA.AccountIds, value: [...new Set([input.renterId, input.agentId, input.ownerId])] },
];

const bookedFor = (input: RentalInput) =>
  input.bookedAhead && input.startsAtMs !== undefined
    ? ` from ${new Date(input.startsAtMs).toISOString()}`
    : '';

export const rentalMemo = (input: RentalInput) => ({
  summary: `Rental ${rentalCode(input.rentalId)}: ${input.renterUsername} rents ${input.agentName} for ${input.minutes} min${bookedFor(input)}`,
  pricePerMinuteMicro: input.pricePerMinute,
});

/** Options of every rental start: search attributes, memo and summary, and the id policies. */
export function rentalStartOptions(input: RentalInput, taskQueue: string): StartOptions<RentalWorkflow> {
  return {
    workflowId: rentalWorkflowId(input.rentalId),
    taskQueue,
    args: [input],
    typedSearchAttributes: rentalSearchAttributes(input),
    memo: rentalMemo(input),
    staticSummary: rentalMemo(input).summary,
    // A running rental answers again; a finished one is never run twice; a failed hold (402) may
    // be retried with the same key once the renter is funded.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  };
}
