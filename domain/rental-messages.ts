/**
 * A rental's transcript message as the API shows it, shared by the rental contract, its
 * activities and the API (a type only, so the contract needs nothing from `activities/`).
 */

/** A transcript message as the API shows it (timestamps as ISO strings: activity results are JSON). */
export interface StoredRentalMessage {
  id: string;
  rental_id: string;
  seq: number;
  sender_id: string;
  sender_username: string | null;
  content: string;
  created_at: string;
}
