/**
 * Issue 24 item 5: an operator's audit entry is completed when the outcome is known, not only when
 * someone opens the console. A request that dies between opening its entry and recording the
 * outcome leaves it `pending` for ever; the `admin-audit-completion` schedule's sweep marks such
 * an entry `unknown` after a minute and completes it from its subject, with nobody viewing.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { acknowledgeAlert, insertOperatorAlert } from '../../db/operator-alerts';
import { postJournal } from '../../db/ledger';
import { startAudit } from '../../db/operators';
import { toMicro } from '../../domain/money';
import {
  auditCompletionStartOptions,
  type CompleteOpenAuditsWorkflow,
} from '../../workflows/maintenance/contract';
import { endRentalUpdate, rentalWorkflowId } from '../../workflows/rental/contract';
import { ensureSchedules } from '../../worker/schedules';
import { apiClient, createFundedAccount, createTestAccount, type TestAccount } from '../harness/fixtures';
import { type Stack, startStack, TEST_ADMIN_KEY } from '../harness/stack';
import { waitFor } from './chain';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function activeRental() {
  const owner = await createTestAccount(stack.db);
  const bot = await createTestAccount(stack.db, { kind: 'bot', ownerId: owner.id, pricePerMinute: 0.25 });
  const renter = await createFundedAccount(stack.db, 50);
  const res = await apiClient(stack.url, renter.apiKey)<{ id: string }>('POST', '/api/rentals', {
    agent_id: bot.id,
    minutes: 30,
  });
  expect(res.status).toBe(201);
  return { rentalId: res.body.id, renter };
}

/** The first half of `audited` (api/use-cases/operators.ts): the entry opened, then the process died. */
async function orphanedEntry(
  operator: TestAccount,
  subjectId: string,
  ageSeconds: number,
  action = 'rental.end',
  journalReference?: string,
) {
  const id = await startAudit(stack.db, {
    action,
    subjectId,
    reason: 'abuse',
    actorAccountId: operator.id,
    actor: 'operator@test',
    via: 'api_key',
    channel: 'api',
    journalReference,
  });
  await stack.db.query(
    `UPDATE admin_audit SET created_at = now() - make_interval(secs => $2) WHERE id = $1`,
    [id, ageSeconds],
  );
  return id;
}

const outcomeOf = async (id: number) =>
  (
    await stack.db.query<{ outcome: string; outcome_detail: string | null }>(
      'SELECT outcome, outcome_detail FROM admin_audit WHERE id = $1',
      [id],
    )
  ).rows[0];

const sweep = () =>
  stack.client.workflow.execute<CompleteOpenAuditsWorkflow>(
    'completeOpenAuditsWorkflow',
    auditCompletionStartOptions(`audit-completion-test-${randomUUID()}`, stack.config.TEMPORAL_TASK_QUEUE),
  );

const endRental = async (rentalId: string, by: { byAccountId: string; byOperator?: boolean }) => {
  await stack.client.workflow
    .getHandle(rentalWorkflowId(rentalId))
    .executeUpdate(endRentalUpdate, { args: [{ ...by, reason: 'abuse' }] });
  await waitFor(
    async () =>
      (await stack.db.query<{ status: string }>('SELECT status FROM rentals WHERE id = $1', [rentalId]))
        .rows[0]?.status === 'ended',
    20_000,
    'the rental ended',
  );
};

describe('an operator decision whose process died before recording its outcome', () => {
  it('is completed as applied by the sweep, without any view, once the rental shows the operator ended it', async () => {
    const operator = await createTestAccount(stack.db);
    const { rentalId } = await activeRental();
    const entry = await orphanedEntry(operator, rentalId, 120);
    // The decision reached the workflow before the process died.
    await endRental(rentalId, { byAccountId: operator.id, byOperator: true });

    const result = await sweep();

    expect(result.markedUnknown).toBeGreaterThanOrEqual(1);
    expect(await outcomeOf(entry)).toEqual({
      outcome: 'applied',
      outcome_detail: expect.stringContaining('completed: rental ended by operator'),
    });
  });

  it('stays unknown while the rental runs, and is completed as refused once the renter ends it instead', async () => {
    const operator = await createTestAccount(stack.db);
    const { rentalId, renter } = await activeRental();
    const entry = await orphanedEntry(operator, rentalId, 120);

    await sweep();
    expect((await outcomeOf(entry)).outcome).toBe('unknown');

    await endRental(rentalId, { byAccountId: renter.id });
    await sweep();
    expect(await outcomeOf(entry)).toEqual({
      outcome: 'refused',
      outcome_detail: expect.stringContaining('completed: rental ended by renter'),
    });
  });

  it('is left pending while younger than a minute: its request may still answer', async () => {
    const operator = await createTestAccount(stack.db);
    const { rentalId } = await activeRental();
    const entry = await orphanedEntry(operator, rentalId, 5);

    await sweep();

    expect((await outcomeOf(entry)).outcome).toBe('pending');
  });
});

describe('an alert acknowledgement whose process died before recording its outcome', () => {
  async function openAlert() {
    const subject = `audit-completion-test:${randomUUID()}`;
    await insertOperatorAlert(stack.db, 'audit_completion_test', subject, 'needs a human');
    return (
      await stack.db.query<{ id: string }>('SELECT id::text FROM operator_alerts WHERE subject = $1', [
        subject,
      ])
    ).rows[0].id;
  }

  it('is completed as applied when the operator’s acknowledgement went through', async () => {
    const operator = await createTestAccount(stack.db);
    const alertId = await openAlert();
    const entry = await orphanedEntry(operator, alertId, 120, 'alert.acknowledge');
    await acknowledgeAlert(stack.db, Number(alertId), { accountId: operator.id, actor: 'operator@test' });

    await sweep();

    expect(await outcomeOf(entry)).toEqual({
      outcome: 'applied',
      outcome_detail: expect.stringContaining('completed: alert is acknowledged by operator@test'),
    });
  });

  it('is completed as refused when the alert was never acknowledged', async () => {
    const operator = await createTestAccount(stack.db);
    const alertId = await openAlert();
    const entry = await orphanedEntry(operator, alertId, 120, 'alert.acknowledge');

    await sweep();

    expect(await outcomeOf(entry)).toEqual({
      outcome: 'refused',
      outcome_detail: expect.stringContaining('completed: alert is open'),
    });
  });
});

describe('an adjustment whose process died before recording its outcome', () => {
  /** An operator's credit of 3 USDT to a fresh account, as `adjust` posts it, under `reference`. */
  async function postAdjustment(accountId: string, reference: string) {
    return postJournal(stack.db, {
      idempotencyKey: reference,
      kind: 'adjustment',
      reference,
      lines: [
        { account: { ownerId: null, purpose: 'adjustments' }, amount: -toMicro(3)! },
        { account: { ownerId: accountId, purpose: 'available' }, amount: toMicro(3)! },
      ],
    });
  }

  it('is completed as applied from the ledger once its journal was posted', async () => {
    const operator = await createTestAccount(stack.db);
    const account = await createTestAccount(stack.db);
    const reference = `adjustment:${randomUUID()}`;
    const entry = await orphanedEntry(operator, account.id, 120, 'adjustment.credit', reference);
    const posted = await postAdjustment(account.id, reference);

    await sweep();

    expect(await outcomeOf(entry)).toEqual({
      outcome: 'applied',
      outcome_detail: expect.stringContaining(`completed: journal ${posted.journalId} posted`),
    });
  });

  it('made through the admin API, opens its entry with the reference its journal is posted under', async () => {
    const account = await createTestAccount(stack.db);
    const res = await apiClient(stack.url, TEST_ADMIN_KEY)<{ journal_id: string }>(
      'POST',
      '/api/v1/admin/adjustments',
      { account_id: account.id, amount: 2, reason: 'goodwill' },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(res.status).toBe(201);
    const entry = await stack.db.query<{ journal_reference: string; reference: string }>(
      `SELECT a.journal_reference, j.reference FROM admin_audit a, ledger_journals j
        WHERE a.subject_id = $1 AND a.action = 'adjustment.credit' AND j.id = $2`,
      [account.id, res.body.journal_id],
    );
    expect(entry.rows).toHaveLength(1);
    expect(entry.rows[0].journal_reference).toBe(entry.rows[0].reference);
  });

  it('stays unknown while its posting may still land, and is refused once ten minutes passed without it', async () => {
    const operator = await createTestAccount(stack.db);
    const account = await createTestAccount(stack.db);
    const reference = `adjustment:${randomUUID()}`;
    const entry = await orphanedEntry(operator, account.id, 120, 'adjustment.debit', reference);

    await sweep();
    expect((await outcomeOf(entry)).outcome).toBe('unknown');

    await stack.db.query(`UPDATE admin_audit SET created_at = now() - interval '11 minutes' WHERE id = $1`, [
      entry,
    ]);
    await sweep();
    expect(await outcomeOf(entry)).toEqual({
      outcome: 'refused',
      outcome_detail: expect.stringContaining('completed: nothing posted'),
    });
  });
});

it('the completion sweep is scheduled every 5 minutes with overlap skip, idempotently', async () => {
  const opts = {
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    agentHealthScheduleId: `agent-health-checks-test-${randomUUID()}`,
    idempotencyKeyPurgeScheduleId: `idempotency-key-purge-test-${randomUUID()}`,
    reconcilerScheduleId: `held-balance-reconciler-test-${randomUUID()}`,
    orphanBlobSweepScheduleId: `orphan-file-blob-sweep-test-${randomUUID()}`,
    auditCompletionScheduleId: `admin-audit-completion-test-${randomUUID()}`,
  };
  await ensureSchedules(stack.client, opts);
  await ensureSchedules(stack.client, opts);
  try {
    const described = await stack.client.schedule.getHandle(opts.auditCompletionScheduleId).describe();
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([5 * 60_000]);
    expect(described.action.workflowType).toBe('completeOpenAuditsWorkflow');
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
  } finally {
    for (const id of [
      opts.agentHealthScheduleId,
      opts.idempotencyKeyPurgeScheduleId,
      opts.reconcilerScheduleId,
      opts.orphanBlobSweepScheduleId,
      opts.auditCompletionScheduleId,
    ])
      await stack.client.schedule.getHandle(id).delete();
  }
});
