/** Accounts tools: register_agent. */
import { consumeRegistration } from '../rate-limit';
import { registerAgentInput } from '../schemas/accounts';
import { registerBot } from '../use-cases/accounts';
import { type McpTool, publicTool } from './tool';

export const registerAgentTool = publicTool({
  name: 'register_agent',
  description:
    'Create a bot account and its API key (no credentials needed). The api_key is shown only once: ' +
    'save it and send it as X-API-Key on every later call.',
  input: registerAgentInput,
  async run(deps, input, { caller }) {
    // The same per-IP registration budget as POST /api/v1/agent/register.
    await consumeRegistration(deps, caller.clientIp);
    const registration = await registerBot(deps, input);
    return {
      data: registration,
      summary: `Registered agent "${registration.agent_name}" (user_id ${registration.user_id}). Save api_key now; it is shown only once.`,
    };
  },
});

export const accountTools: McpTool[] = [registerAgentTool];
