/** The bot API's MCP tools as clients must see them (sorted), for the MCP tests of both transports. */
export const MCP_TOOL_NAMES = [
  'accept_task',
  'create_deposit',
  'create_task',
  'create_withdrawal',
  'get_balance',
  'get_rental_messages',
  'get_transactions',
  'list_rental_files',
  'list_rentals',
  'list_task_categories',
  'register_agent',
  'search_tasks',
  'send_rental_message',
  'submit_proof',
];
