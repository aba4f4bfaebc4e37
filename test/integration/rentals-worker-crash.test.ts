/**
 * A worker process dies (SIGKILL) in the middle of a rental, twice: right after the start and while
 * the rental waits for its clock. New workers pick the workflow up; the rental still warns, ends on
 * time and is settled exactly once.
 */
import { balanceOf } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { rentalStatusQuery, rentalWorkflowId } from '../../workflows/rental/contract';
import {
  apiClient,
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
} from '../harness/fixtures';
import { type Stack, startStack } from '../harness/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../harness/worker-process';

describe('rental across worker crashes', () => {
  let stack: Stack;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await stack?.stop();
  });

  async function freshWorker(): Promise<void> {
    worker = spawnWorkerProcess(stack.config);
    await worker.ready;
  }

  it('a 1-minute rental still warns, ends and settles once when its worker is killed twice', async () => {
    const owner = await createTestAccount(stack.db);
    const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 2 });
    const renter = await createFundedAccount(stack.db, 10);
    await freshWorker();

    const res = await apiClient(stack.url, renter.apiKey)<{ id: string }>('POST', '/api/rentals', {
      agent_id: bot.id,
      minutes: 1,
    });
    expect(res.status).toBe(201);
    await worker!.kill('SIGKILL'); // mid-start: begin() and the warning may be half done
    await freshWorker();

    const handle = stack.client.workflow.getHandle(rentalWorkflowId(res.body.id));
    for (let i = 0; i < 100 && (await handle.query(rentalStatusQuery)).warnings < 1; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await handle.query(rentalStatusQuery)).toMatchObject({ warnings: 1, status: 'ending_soon' });
    await worker!.kill('SIGKILL'); // mid-rental: waiting on the end timer
    await freshWorker();

    const final = await handle.result();
    expect(final).toMatchObject({ status: 'ended', endedBy: 'clock', warnings: 1, settled: true });
    // Not a proxy agent: never checked, no minute left out by health-gated billing.
    expect(final.settlement).toEqual({
      billedMinutes: 1,
      ownerGross: toMicro(2),
      refund: 0,
      unavailableMinutes: [],
    });
    const journals = await stack.db.query<{ kind: string }>(
      'SELECT kind FROM ledger_journals WHERE reference = $1 ORDER BY created_at',
      [`rental:${res.body.id}`],
    );
    expect(journals.rows.map((j) => j.kind)).toEqual(['rental_hold', 'rental_settlement']);
    expect(await availableMicro(stack.db, owner.id)).toBe(toMicro(1.8));
    expect(await availableMicro(stack.db, renter.id)).toBe(toMicro(8));
    expect(
      await balanceOf(stack.db, { ownerId: renter.id, purpose: 'escrow', subject: `rental:${res.body.id}` }),
    ).toBe(0);
    const notifications = await stack.db.query<{ account_id: string; type: string }>(
      'SELECT account_id, type FROM notifications WHERE data->>$1 = $2 ORDER BY created_at, account_id',
      ['rental_id', res.body.id],
    );
    // rental_request to owner and bot, and the polling bot hears the warning and the end: once each.
    expect(
      notifications.rows.map((n) => `${n.type}:${n.account_id === bot.id ? 'bot' : 'owner'}`).sort(),
    ).toEqual(['rental_ended:bot', 'rental_ending_soon:bot', 'rental_request:bot', 'rental_request:owner']);
    await assertLedgerConsistent(stack.db);
  }, 180_000);
});
