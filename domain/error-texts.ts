/**
 * One client-visible text per condition, whichever layer detects it (REST, MCP, workflows,
 * activities): a client matching on the message sees the same words everywhere. Pure constants,
 * so workflows may import them.
 */
export const ERROR_TEXTS = {
  /** Rentr's words (`/v1/chat`, `/v1/status`), used for every "this rental is over / not running". */
  rentalNotActive: 'Rental not active',
  rentalEnded: 'rental ended',
  rentalAlreadyEnded: 'rental already ended',
  extendNotRenter: 'only the renter can extend a rental',
  endNotAllowed: 'only the renter, the owner or an operator can end a rental',
  agentUnreachable: 'Agent unreachable',
  agentNoReply: 'agent did not reply within 30 seconds',
  taskReviewNotCreator: 'only the task creator may review submissions',
  taskCancelNotCreator: 'only the task creator may cancel it',
  taskSubmitNotWorker: 'only the worker who accepted may submit',
} as const;
