/**
 * Proxy-agent health checks: the scheduled workflow checks every proxy agent's /hooks/agent with
 * X-Health-Check through the webhook delivery machinery, and the result shows on the agent.
 */
import { randomUUID } from 'node:crypto';
import { maybeRecordHistory } from '../harness/record';
import {
  AGENT_HEALTH_INTERVAL,
  AGENT_HEALTH_WORKFLOW_TYPE,
  type AgentHealthChecksWorkflow,
  agentHealthStartOptions,
} from '../../workflows/agent-health/contract';
import { ensureSchedules } from '../../worker/schedules';
import { type AgentReceiver, startAgentReceiver } from '../clients/agent-receiver';
import { apiClient, createTestAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

interface Health {
  ok: boolean;
  checked_at: string;
  detail: string | null;
}

async function healthOf(stack: Stack, agentId: string, timeoutMs = 15_000): Promise<Health> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await apiClient(stack.url)<{ health: Health | null }>('GET', `/api/agents/${agentId}`);
    if (res.body.health) return res.body.health;
    if (Date.now() > deadline) throw new Error(`no health check recorded for ${agentId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('proxy agent health checks', () => {
  let stack: Stack;
  let healthy: AgentReceiver;
  let failing: AgentReceiver;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    healthy = await startAgentReceiver(() => ({ status: 204 }));
    failing = await startAgentReceiver(() => ({ status: 500, body: 'down' }));
  });
  afterEach(async () => {
    await healthy.close();
    await failing.close();
  });

  const proxyBot = (receiver: AgentReceiver, token = 'hc-token') =>
    createTestAccount(stack.db, {
      kind: 'bot',
      pricePerMinute: 0.1,
      integration: 'proxy',
      webhookUrl: `${receiver.url}/agent`,
      webhookToken: token,
    });

  const runChecks = async (runKey?: string, recordAs?: string) => {
    const workflowId = `agent-health-checks-test-${randomUUID()}`;
    await stack.client.workflow.execute<AgentHealthChecksWorkflow>(
      AGENT_HEALTH_WORKFLOW_TYPE,
      agentHealthStartOptions(workflowId, stack.config.TEMPORAL_TASK_QUEUE, runKey ? { runKey } : {}),
    );
    if (recordAs) maybeRecordHistory(stack.config.TEMPORAL_ADDRESS, workflowId, recordAs);
  };

  it('records a 2xx as healthy and a 5xx as unhealthy on the agent', async () => {
    const up = await proxyBot(healthy);
    const down = await proxyBot(failing);
    await runChecks(undefined, 'agent-health-checks');
    await expect(healthOf(stack, up.id)).resolves.toMatchObject({ ok: true, detail: 'HTTP 204' });
    await expect(healthOf(stack, down.id)).resolves.toMatchObject({ ok: false, detail: 'HTTP 500' });
  });

  it('posts to <webhook_url>/hooks/agent with X-Health-Check and the bearer token', async () => {
    const bot = await proxyBot(healthy, 'tok-xyz');
    await runChecks();
    await healthOf(stack, bot.id);
    const [req] = healthy.healthChecks;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/agent/hooks/agent');
    expect(req.headers['x-health-check']).toBe('true');
    expect(req.headers.authorization).toBe('Bearer tok-xyz');
  });

  it('does not check events agents', async () => {
    const events = await createTestAccount(stack.db, {
      kind: 'bot',
      pricePerMinute: 0.1,
      integration: 'events',
      webhookUrl: healthy.url,
    });
    const proxy = await proxyBot(healthy);
    await runChecks();
    await healthOf(stack, proxy.id);
    const r = await stack.db.query('SELECT health_checked_at FROM accounts WHERE id = $1', [events.id]);
    expect(r.rows[0].health_checked_at).toBeNull();
    expect(healthy.healthChecks).toHaveLength(1);
  });

  it('checks an agent once per run even when the run is repeated', async () => {
    const bot = await proxyBot(healthy);
    const runKey = `run-${randomUUID()}`;
    await runChecks(runKey);
    await healthOf(stack, bot.id);
    await runChecks(runKey);
    await new Promise((r) => setTimeout(r, 1000));
    expect(healthy.healthChecks).toHaveLength(1);
  });

  it('is scheduled every 15 minutes, idempotently, and a scheduled run checks the agents', async () => {
    const scheduleId = `agent-health-checks-test-${randomUUID()}`;
    const opts = {
      taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
      agentHealthScheduleId: scheduleId,
      reconcilerScheduleId: `held-balance-reconciler-test-${randomUUID()}`,
      orphanBlobSweepScheduleId: `orphan-file-blob-sweep-test-${randomUUID()}`,
      auditCompletionScheduleId: `admin-audit-completion-test-${randomUUID()}`,
    };
    await ensureSchedules(stack.client, opts);
    await ensureSchedules(stack.client, opts); // a second worker start converges, never throws
    const handle = stack.client.schedule.getHandle(scheduleId);
    try {
      const described = await handle.describe();
      expect(AGENT_HEALTH_INTERVAL).toBe('15 minutes');
      expect(described.spec.intervals?.map((i) => i.every)).toEqual([15 * 60_000]);
      expect(described.action.workflowType).toBe('agentHealthChecksWorkflow');
      const bot = await proxyBot(healthy);
      await handle.trigger();
      await expect(healthOf(stack, bot.id)).resolves.toMatchObject({ ok: true });
    } finally {
      await handle.delete();
      await stack.client.schedule.getHandle(opts.reconcilerScheduleId).delete();
      await stack.client.schedule.getHandle(opts.orphanBlobSweepScheduleId).delete();
      await stack.client.schedule.getHandle(opts.auditCompletionScheduleId).delete();
    }
  });
});
