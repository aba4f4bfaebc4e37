/**
 * Payloads of the events pushed to an `events` agent, shaped as the AgentsAccess seed's sample:
 * `{event, data:{id, user_id, type, title, body, link, data:{rental_id, …}, created_at}, timestamp}`.
 * Pure: the workflow builds them with its own deterministic clock and ids.
 */
export type RentalEventName =
  | 'rental_request'
  | 'rental_message'
  | 'rental_ending_soon'
  | 'rental_ended'
  // Booked ahead (issue 25): the booking, the reminder 10 minutes before, a cancel before the start.
  | 'rental_scheduled'
  | 'rental_reminder'
  | 'rental_cancelled'
  // After the rental (issue 17): a deliverable file, told to the renter.
  | 'rental_file';

export interface RentalEvent {
  event: RentalEventName;
  /** Stable id of this event (also the notification-style `data.id`). */
  eventId: string;
  botId: string;
  rentalId: string;
  title: string;
  body: string;
  /** Event-specific fields, merged after `rental_id`. */
  details: Record<string, unknown>;
  /** ISO-8601 UTC. */
  at: string;
}

export const rentalLink = (rentalId: string) => `/rentals/${rentalId}/chat`;

export function rentalEventPayload(e: RentalEvent): Record<string, unknown> {
  return {
    event: e.event,
    data: {
      id: e.eventId,
      user_id: e.botId,
      type: e.event,
      title: e.title,
      body: e.body,
      link: rentalLink(e.rentalId),
      data: { rental_id: e.rentalId, ...e.details },
      created_at: e.at,
    },
    timestamp: e.at,
  };
}

/** Every event of one rental is delivered in order: they share this ordering subject. */
export const rentalSubject = (rentalId: string) => `rental:${rentalId}`;
