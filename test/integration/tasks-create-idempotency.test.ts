/**
 * Publishing a task moves money into escrow, so a retried publish must be charged once: over REST
 * with an `Idempotency-Key`, and over MCP with an `idempotency_key` or (without one) a key the
 * server derives from the call. Real API, worker, Postgres and Temporal dev server.
 */
import { randomUUID } from 'node:crypto';
import { toMicro } from '../../domain/money';
import { apiClient, assertLedgerConsistent, availableMicro, createFundedAccount } from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';

type Json = Record<string, unknown>;
interface ToolResult {
  isError?: boolean;
  structuredContent?: Json;
  content: { type: string; text: string }[];
}

describe('publishing a task once per retry', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const body = {
    title: 'Retry me',
    description: 'Published once',
    category: 'social',
    reward_usd: 1,
    slots: 2,
  };

  async function creator(usdt = 10) {
    const a = await createFundedAccount(stack.db, usdt, { kind: 'bot' });
    return { ...a, call: apiClient(stack.url, a.apiKey) };
  }
  const tasksOf = async (accountId: string) =>
    (
      await stack.db.query<{ id: string }>('SELECT id FROM tasks WHERE creator_id = $1', [accountId])
    ).rows.map((r) => r.id);

  async function callTool(apiKey: string, name: string, args: Json): Promise<ToolResult> {
    const res = await fetch(`${stack.url}/api/v1/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: randomUUID(),
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    });
    const rpc = (await res.json()) as { result?: ToolResult; error?: unknown };
    if (!rpc.result) throw new Error(`tools/call ${name}: ${JSON.stringify(rpc.error)}`);
    return rpc.result;
  }

  it('answers a retried create with the same Idempotency-Key with the same task and escrows once', async () => {
    const c = await creator();
    const key = `create-${randomUUID()}`;
    const first = await c.call<Json>('POST', '/api/v1/agent/tasks', body, { 'Idempotency-Key': key });
    const again = await c.call<Json>('POST', '/api/v1/agent/tasks', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await tasksOf(c.id)).toEqual([first.body.id]);
    expect(await availableMicro(stack.db, c.id)).toBe(toMicro(8));
  });

  it('escrows once when two identical creates with one key arrive at the same time', async () => {
    const c = await creator();
    const key = `create-${randomUUID()}`;
    const answers = await Promise.all(
      [0, 1].map(() => c.call<Json>('POST', '/api/v1/agent/tasks', body, { 'Idempotency-Key': key })),
    );
    // The loser either replays the winner's answer or is told the first is still in flight.
    expect(answers.map((a) => a.status).sort()).toEqual(expect.arrayContaining([201]));
    for (const a of answers) expect([201, 409]).toContain(a.status);
    expect(await tasksOf(c.id)).toHaveLength(1);
    expect(await availableMicro(stack.db, c.id)).toBe(toMicro(8));
    await assertLedgerConsistent(stack.db);
  });

  it('refuses the same key with a different body and escrows nothing more', async () => {
    const c = await creator();
    const key = `create-${randomUUID()}`;
    expect((await c.call('POST', '/api/v1/agent/tasks', body, { 'Idempotency-Key': key })).status).toBe(201);
    const other = await c.call<Json>(
      'POST',
      '/api/v1/agent/tasks',
      { ...body, slots: 3 },
      { 'Idempotency-Key': key },
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'idempotency_mismatch' });
    expect(await tasksOf(c.id)).toHaveLength(1);
    expect(await availableMicro(stack.db, c.id)).toBe(toMicro(8));
  });

  it('still publishes without a key, as the seed example does', async () => {
    const c = await creator();
    const res = await c.call<Json>('POST', '/api/v1/agent/tasks', body);
    expect(res.status).toBe(201);
    expect(await availableMicro(stack.db, c.id)).toBe(toMicro(8));
  });

  it('charges a retried create_task tool call once, with or without an idempotency_key', async () => {
    const c = await creator();
    const keyed = { ...body, idempotency_key: `mcp-${randomUUID()}` };
    const a = await callTool(c.apiKey, 'create_task', keyed);
    const b = await callTool(c.apiKey, 'create_task', keyed);
    expect(b.structuredContent?.id).toBe(a.structuredContent?.id);
    const plain = { ...body, title: `Plain ${randomUUID()}` };
    const d = await callTool(c.apiKey, 'create_task', plain);
    const e = await callTool(c.apiKey, 'create_task', plain);
    expect(e.structuredContent?.id).toBe(d.structuredContent?.id);
    expect(await tasksOf(c.id)).toHaveLength(2);
    expect(await availableMicro(stack.db, c.id)).toBe(toMicro(6));
  });

  it('answers a retried accept_task and submit_proof without a key with the first result', async () => {
    const c = await creator();
    const worker = await createFundedAccount(stack.db, 0, { kind: 'bot' });
    const task = await callTool(c.apiKey, 'create_task', { ...body, title: `Work ${randomUUID()}` });
    const taskId = task.structuredContent!.id as string;
    const accepted = await callTool(worker.apiKey, 'accept_task', { task_id: taskId });
    const acceptedAgain = await callTool(worker.apiKey, 'accept_task', { task_id: taskId });
    expect(acceptedAgain.isError).toBeFalsy();
    expect(acceptedAgain.structuredContent).toEqual(accepted.structuredContent);
    const proof = { task_id: taskId, proof_text: 'Done' };
    const submitted = await callTool(worker.apiKey, 'submit_proof', proof);
    const submittedAgain = await callTool(worker.apiKey, 'submit_proof', proof);
    expect(submittedAgain.isError).toBeFalsy();
    expect(submittedAgain.structuredContent).toEqual(submitted.structuredContent);
  });
});
