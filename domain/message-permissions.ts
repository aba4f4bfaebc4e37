/**
 * Who may send direct messages to whom (issue 17.2), shared by REST and MCP. Pure: the store
 * gathers the rentals and tasks both accounts appear in; these functions decide.
 */
import type { FixedTextCode } from './error-texts';
import { rentalRoleOf, type RentalParties } from './rental-permissions';

export interface SharedRental extends RentalParties {
  id: string;
}

/** A task link: its creator and one worker who accepted a slot of it (whatever came after). */
export interface SharedTask {
  id: string;
  creatorId: string;
  workerId: string;
}

export interface Relationship {
  rentals: readonly SharedRental[];
  tasks: readonly SharedTask[];
}

/** A rental links its renter with its bot and with the bot's owner (not the bot with its owner). */
export function rentalLinks(rental: RentalParties, a: string, b: string): boolean {
  const ra = rentalRoleOf(rental, a);
  const rb = rentalRoleOf(rental, b);
  return (ra === 'renter' && rb !== undefined && rb !== 'renter') || (rb === 'renter' && ra !== undefined);
}

/** A task links its creator with each worker who accepted one of its slots. */
export function taskLinks(task: SharedTask, a: string, b: string): boolean {
  return (task.creatorId === a && task.workerId === b) || (task.creatorId === b && task.workerId === a);
}

export function shareSomething(rel: Relationship, a: string, b: string): boolean {
  return rel.rentals.some((r) => rentalLinks(r, a, b)) || rel.tasks.some((t) => taskLinks(t, a, b));
}

/** Sending: to someone else, who shares a rental or a task with you; a named rental must link you. */
export function maySendDirectMessage(
  rel: Relationship,
  senderId: string,
  recipientId: string,
  rentalId?: string,
): FixedTextCode | null {
  if (senderId === recipientId) return 'dm_to_self';
  if (rentalId !== undefined) {
    const rental = rel.rentals.find((r) => r.id === rentalId);
    if (!rental || !rentalLinks(rental, senderId, recipientId)) return 'dm_rental_not_shared';
    return null;
  }
  return shareSomething(rel, senderId, recipientId) ? null : 'dm_not_allowed';
}

/** Reading a conversation: the same relationship rule (a link that once existed keeps it readable). */
export function mayReadDirectMessages(
  rel: Relationship,
  readerId: string,
  otherId: string,
): FixedTextCode | null {
  if (readerId === otherId) return 'dm_not_allowed';
  return shareSomething(rel, readerId, otherId) ? null : 'dm_not_allowed';
}
