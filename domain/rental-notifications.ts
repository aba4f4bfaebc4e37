/**
 * In-app notifications for rentals: what a rental request tells whom (the SQL is db/notifications.ts;
 * the `notifications` table belongs to the webhooks area, 3000_webhooks.sql).
 */

export interface NewNotification {
  id: string;
  accountId: string;
  type: string;
  title: string;
  body: string;
  link: string;
  data: Record<string, unknown>;
}

/** The `rental_request` notifications for the bot's owner and the bot (once each), ids from `idOf`. */
export function rentalRequestNotifications(
  r: {
    rentalId: string;
    agentId: string;
    agentName: string;
    ownerId: string;
    renterId: string;
    renterUsername: string;
    minutes: number;
    /** When given, `data.ends_at` too: the same fields as the webhook's `rental_request`. */
    endsAtMs?: number;
  },
  idOf: (accountId: string) => string,
): NewNotification[] {
  return [...new Set([r.ownerId, r.agentId])].map((accountId) => ({
    id: idOf(accountId),
    accountId,
    type: 'rental_request',
    title: `New rental from ${r.renterUsername}`,
    body: `${r.renterUsername} rented ${r.agentName} for ${r.minutes} minutes`,
    link: `/rentals/${r.rentalId}/chat`,
    data: {
      rental_id: r.rentalId,
      renter_id: r.renterId,
      renter_username: r.renterUsername,
      minutes: r.minutes,
      ...(r.endsAtMs === undefined ? {} : { ends_at: new Date(r.endsAtMs).toISOString() }),
    },
  }));
}
