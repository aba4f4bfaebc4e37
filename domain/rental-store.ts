/** Rental read-model shapes: rows, statuses and the workflow's state updates (the SQL is db/rentals.ts). */
import type { Micro } from './money';
import type { RentalEndedReason } from './rental-silence';

/** `scheduled`: booked ahead, money held, not started yet (it becomes `active` at `starts_at`). */
export type RentalStatus = 'scheduled' | 'active' | 'ending_soon' | 'ended';

export type RentalEndedBy = 'clock' | 'renter' | 'owner' | 'operator';

export interface RentalRow {
  id: string;
  code: string;
  agent_id: string;
  renter_id: string;
  owner_id: string;
  status: RentalStatus;
  channel: string;
  minutes: number;
  price_per_minute: Micro;
  starts_at: Date;
  ends_at: Date;
  ended_at: Date | null;
  ended_by: RentalEndedBy | null;
  settled: boolean;
  billed_minutes: number | null;
  owner_gross: Micro | null;
  refund: Micro | null;
  /** The silence guard's limit (issue 25.4), null without one. */
  max_silence_minutes: number | null;
  /** Why the platform ended it early (`agent_silent`), null for every other end. */
  ended_reason: RentalEndedReason | null;
  /** The settled minutes not billed, the agent unavailable (1-based); null before the gate. */
  unavailable_minutes: number[] | null;
  agent_name: string | null;
  renter_username: string | null;
}

export interface NewRental {
  id: string;
  code: string;
  agentId: string;
  renterId: string;
  ownerId: string;
  channel: string;
  minutes: number;
  pricePerMinute: Micro;
  startsAtMs: number;
  endsAtMs: number;
  /** `scheduled` for a rental booked ahead; `active` when absent. */
  status?: 'scheduled';
  /** The silence guard's limit, when the renter set one. */
  maxSilenceMinutes?: number;
}

export interface RentalStateUpdate {
  rentalId: string;
  /** Increases with every state change of the workflow; older updates are ignored. */
  revision: number;
  status: RentalStatus;
  minutes: number;
  endsAtMs: number;
  ended?: {
    endedAtMs: number;
    endedBy: RentalEndedBy;
    /** Set when the platform ended it early (the silence guard). */
    reason?: RentalEndedReason;
    billedMinutes: number;
    ownerGross: Micro;
    refund: Micro;
    /** Health-gated billing: the started minutes not billed (absent before the gate). */
    unavailableMinutes?: number[];
  };
}

export interface RentalMessageRow {
  id: string;
  rental_id: string;
  seq: number;
  sender_id: string;
  sender_username: string | null;
  content: string;
  created_at: Date;
}

export interface ChatMessageRow extends RentalMessageRow {
  agent_integration: 'events' | 'proxy' | null;
}

export interface ClaimedRelay {
  /** false: this message was already handed to the agent once (a retried workflow task). */
  claimed: boolean;
  name: string | null;
  webhook_url: string | null;
  webhook_token: string | null;
}
