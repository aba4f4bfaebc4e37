/**
 * A rental's transcript message as the API shows it, shared by the rental contract, its
 * activities and the API (a type only, so the contract needs nothing from `activities/`).
 */

import type { RentalMessageRow } from './rental-store';

/** A transcript message as the API shows it: its row, with the timestamp as an ISO string (activity results are JSON). */
export type StoredRentalMessage = Omit<RentalMessageRow, 'created_at'> & { created_at: string };
