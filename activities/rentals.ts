/**
 * Rental side effects: the read models (rentals row, transcript) and start notifications. Each is
 * keyed by ids the workflow minted, so a retried activity writes nothing twice.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import type { AgentEndpoint } from '../domain/rental-chat';
import { ErrorCode } from '../domain/errors';
import { type NewNotification } from '../domain/rental-notifications';
import { insertNotifications } from '../db/notifications';
import { type NewRental, type RentalStateUpdate } from '../domain/rental-store';
import { insertChatMessage, insertRental, insertRentalMessage, updateRentalState } from '../db/rentals';
import { agentContactOf } from '../db/agents';
import { closeTranscript, insertMessageInRow, oldestUnansweredMessage } from '../db/rental-chat';
import type { UnansweredMessage } from '../domain/rental-silence';
import type { StoredRentalMessage } from '../domain/rental-messages';

export type { StoredRentalMessage };

/** A renter's chat message as stored, with how the agent takes messages (`proxy`: relay it). */
export interface StoredChatMessage extends StoredRentalMessage {
  agentIntegration: 'events' | 'proxy' | null;
}

/** How often the end looks again whether the chat in flight has given its lease back. */
const CLOSE_POLL_MS = 50;

export function createRentalActivities({ db }: ActivityDeps) {
  return {
    /** Creates the rentals row (if the API has not already) and notifies owner and bot once. */
    async recordRentalStarted(input: { rental: NewRental; notifications: NewNotification[] }): Promise<void> {
      await insertRental(db, input.rental);
      await insertNotifications(db, input.notifications);
    },

    async recordRentalState(update: RentalStateUpdate): Promise<void> {
      await updateRentalState(db, update);
    },

    async storeRentalMessage(input: {
      id: string;
      rentalId: string;
      seq: number;
      senderId: string;
      content: string;
    }): Promise<StoredRentalMessage> {
      const row = await insertRentalMessage(db, input);
      return { ...row, created_at: row.created_at.toISOString() };
    },

    /** storeRentalMessage + the agent's integration, in one round trip (the `/v1/chat` hot path). */
    async storeChatMessage(input: {
      id: string;
      rentalId: string;
      seq: number;
      senderId: string;
      content: string;
      agentId: string;
    }): Promise<StoredChatMessage> {
      const { agent_integration, ...row } = await insertChatMessage(db, input);
      return { ...row, created_at: row.created_at.toISOString(), agentIntegration: agent_integration };
    },

    /**
     * A message with its `seq` from the rentals row (rental-row-transcript), once per id; null when
     * the transcript is closed (the rental ended): nothing stored.
     */
    async storeMessageInRow(input: {
      id: string;
      rentalId: string;
      senderId: string;
      content: string;
      agentId: string;
    }): Promise<StoredChatMessage | null> {
      const row = await insertMessageInRow(db, input);
      if (!row) return null;
      const { agent_integration, ...message } = row;
      return { ...message, created_at: row.created_at.toISOString(), agentIntegration: agent_integration };
    },

    /**
     * Closes the rental's transcript (its end), after at most `graceMs` of waiting for a `/v1/chat`
     * in flight to store its reply. Answers when it closed (epoch ms, database clock), null when the
     * rental has no row.
     */
    async closeTranscript(input: { rentalId: string; graceMs: number }): Promise<number | null> {
      const until = Date.now() + input.graceMs;
      for (;;) {
        const force = Date.now() >= until;
        const r = await closeTranscript(db, input.rentalId, force);
        if (!r.found) return null;
        if (r.closedAt) return r.closedAt.getTime();
        await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
      }
    },

    /** The silence guard's look at the transcript (db/rental-chat.ts oldestUnansweredMessage); null: all answered. */
    async oldestUnansweredMessage(input: {
      rentalId: string;
      renterId: string;
      agentId: string;
    }): Promise<UnansweredMessage | null> {
      return (await oldestUnansweredMessage(db, input)) ?? null;
    },

    async loadAgentEndpoint(agentId: string): Promise<AgentEndpoint> {
      const r = await agentContactOf(db, agentId);
      const row = r.rows[0];
      if (!row) throw ApplicationFailure.nonRetryable('agent not found', ErrorCode.NotFound);
      return {
        name: row.name ?? row.username ?? agentId,
        integration: row.integration,
        webhookUrl: row.webhook_url,
        webhookToken: row.webhook_token,
      };
    },
  };
}
