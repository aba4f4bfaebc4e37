/**
 * Who may do what to a rental: one function per rule, called by the REST/MCP use cases
 * (api/use-cases/rentals.ts) and by the rental workflow's update validators
 * (workflows/rental-state.ts) alike. Pure: each returns the refusal's error code, or null.
 */
import type { FixedTextCode } from './error-texts';

export interface RentalParties {
  renterId: string;
  agentId: string;
  /** The bot's owner (the bot itself when self-owned; null when unknown). */
  ownerId: string | null;
}

export interface RentalActor {
  accountId: string;
  /** A platform operator (admin) acting on a rental that is not theirs. */
  operator?: boolean;
}

export type RentalRole = 'renter' | 'bot' | 'owner';

export function rentalRoleOf(parties: RentalParties, accountId: string): RentalRole | undefined {
  if (accountId === parties.renterId) return 'renter';
  if (accountId === parties.agentId) return 'bot';
  if (accountId === parties.ownerId) return 'owner';
  return undefined;
}

/** Participants and operators see a rental; anyone else is told it does not exist. */
export function mayViewRental(parties: RentalParties, actor: RentalActor): FixedTextCode | null {
  return rentalRoleOf(parties, actor.accountId) || actor.operator ? null : 'rental_not_found';
}

/** The transcript is the participants' only (operators included only when a participant). */
export function mayUseRentalMessages(parties: RentalParties, accountId: string): FixedTextCode | null {
  return rentalRoleOf(parties, accountId) ? null : 'rental_not_found';
}

/** Only the renter chats with a proxy agent (`/v1/chat`). */
export function mayChatInRental(parties: RentalParties, accountId: string): FixedTextCode | null {
  return accountId === parties.renterId ? null : 'rental_not_found';
}

/** Only the renter pays for more minutes. */
export function mayExtendRental(parties: RentalParties, actor: RentalActor): FixedTextCode | null {
  const role = rentalRoleOf(parties, actor.accountId);
  if (!role && !actor.operator) return 'rental_not_found';
  return role === 'renter' ? null : 'rental_extend_not_renter';
}

/** The renter, the bot's owner (a self-owned bot included) or an operator ends a rental. */
export function mayEndRental(parties: RentalParties, actor: RentalActor): FixedTextCode | null {
  const role = rentalRoleOf(parties, actor.accountId);
  if (!role) return actor.operator ? null : 'rental_not_found';
  if (role === 'bot' && parties.ownerId !== parties.agentId) return 'rental_end_not_allowed';
  return null;
}

/** The receipt: the renter and the earner (the bot's owner, or a bot without one). */
export function mayReadRentalReceipt(parties: RentalParties, accountId: string): FixedTextCode | null {
  const role = rentalRoleOf(parties, accountId);
  if (!role) return 'rental_not_found';
  if (role === 'bot' && parties.ownerId !== parties.agentId) return 'rental_receipt_not_allowed';
  return null;
}

/**
 * The renter or the bot's owner (a self-owned bot included) cancels a booked rental before its
 * start; anyone else does not learn it exists.
 */
export function mayCancelRental(parties: RentalParties, accountId: string): FixedTextCode | null {
  const role = rentalRoleOf(parties, accountId);
  if (!role) return 'rental_not_found';
  if (role === 'bot' && parties.ownerId !== parties.agentId) return 'rental_cancel_not_allowed';
  return null;
}
