/**
 * The Rentr renter API. The caller is a rental (its code is the credential), not an account:
 * `rentalByCode` authenticates, the other two act on that rental. A chat with a proxy agent runs
 * here (chat-relay.ts: the rentals row serializes it and gates the transcript); with an events or
 * polling agent it is the rental workflow's `chatWithAgent` update, which stores both sides and
 * waits for the bot's reply.
 */
import { randomUUID } from 'node:crypto';
import { untilProcessed } from '../workflow-updates';
import { WorkflowNotFoundError } from '@temporalio/client';
import { appError } from '../../domain/errors';
import {
  assertRentalActive,
  durationType,
  resolveRentalCode,
  timeRemainingSeconds,
} from '../../domain/rental-code';
import { replyText } from '../../domain/rental-chat';
import type { RentalRow } from '../../domain/rental-store';
import { rentalsByHexPrefix } from '../../db/rentals';
import { chatWithAgentUpdate, rentalWorkflowId } from '../../workflows/rental/contract';
import { currentDeadline, isDeadlineError, temporalUntil } from '../deadline';
import type { ApiDeps } from '../deps';
import type { RentrChatInput, RentrChatResponse, RentrStatusResponse } from '../schemas/chat';
import { agentCardOf } from '../../db/agents';
import { chatWithProxyAgent } from './chat-relay';

/** `/v1/chat` is the API channel in Rentr's terms, whatever channel the rental was booked on. */
const CHAT_CHANNEL = 'API';

export const rentalByCode = (deps: ApiDeps, code: string | undefined): Promise<RentalRow> =>
  resolveRentalCode((hexPrefix) => rentalsByHexPrefix(deps.db, hexPrefix), code);

/**
 * The chat's whole budget is the request's deadline, queue wait included (Rentr: 30 s → 503): the
 * workflow gives a chat up this long before it (so its 503 travels back in time) and relays with
 * no more than what is left.
 */
const CHAT_ANSWER_MARGIN_MS = 1_000;
/** A chat outside any request deadline (none today) gets the Rentr budget. */
const NO_DEADLINE_BUDGET_MS = 30_000;
/** The API stops waiting for the workflow this long before the deadline: a 503, never a 504. */
const CHAT_WAIT_MARGIN_MS = 500;

/**
 * A rental whose workflow has already finished is not active, whatever the read model says yet;
 * a chat whose answer did not come back within its budget is an unreachable agent (503).
 */
function finishedAsNotActive(err: unknown): never {
  if (err instanceof WorkflowNotFoundError) throw appError('rental_not_active');
  if (isDeadlineError(err)) throw appError('agent_unreachable');
  throw err;
}

/**
 * The chat. `onDelta`: the renter asked for a stream (docs/RENTALS.md, "Streaming chat") — a proxy
 * agent's reply goes there piece by piece as it streams; any other reply as one piece (its
 * transcript text) before this returns. The answer is the same either way.
 */
export async function chat(
  deps: ApiDeps,
  rental: RentalRow,
  input: RentrChatInput,
  onDelta?: (text: string) => void,
): Promise<RentrChatResponse> {
  assertRentalActive(rental, Date.now());
  const deadline = currentDeadline();
  const budgetEndMs = deadline ? deadline.atMs - CHAT_ANSWER_MARGIN_MS : Date.now() + NO_DEADLINE_BUDGET_MS;
  const direct = await chatWithProxyAgent(deps, rental, input.message, budgetEndMs, onDelta);
  if (direct) return direct;
  // Chosen here, once: a second ask (untilProcessed) after a lost workflow task stores no second copy.
  const messageId = randomUUID();
  const update = () =>
    untilProcessed(() =>
      deps.temporal.workflow.getHandle(rentalWorkflowId(rental.id)).executeUpdate(chatWithAgentUpdate, {
        args: [
          {
            message: input.message,
            channel: CHAT_CHANNEL,
            renterId: rental.renter_id,
            deadlineAtMs: deadline && deadline.atMs - CHAT_ANSWER_MARGIN_MS,
            messageId,
          },
        ],
      }),
    );
  const result = await (
    deadline ? temporalUntil(deps, deadline.atMs - CHAT_WAIT_MARGIN_MS, update) : update()
  ).catch(finishedAsNotActive);
  onDelta?.(replyText(result.response));
  return { success: true, agent: rental.agent_name ?? '', response: result.response, rental: result.rental };
}

export async function status(deps: ApiDeps, rental: RentalRow): Promise<RentrStatusResponse> {
  const now = Date.now();
  assertRentalActive(rental, now);
  const agent = await agentCardOf(deps.db, rental.agent_id);
  return {
    rental: {
      id: rental.id,
      // Rentr's vocabulary: a running rental is `active`, in its last minutes too (else 403 above).
      status: 'active',
      starts_at: rental.starts_at.toISOString(),
      ends_at: rental.ends_at.toISOString(),
      duration_type: durationType(rental.minutes),
      channel: rental.channel,
      time_remaining_seconds: timeRemainingSeconds(rental, now),
    },
    agent: {
      id: rental.agent_id,
      name: agent.rows[0]?.display_name ?? null,
      description: agent.rows[0]?.description ?? null,
    },
  };
}
