/**
 * The rental workflow's lifecycle on the time-skipping server (a 60-minute rental takes seconds),
 * with the production activities against the real Postgres of this run. Each rental's hold is
 * posted the way the API posts it, then the workflow starts with its own clock.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { OPERATOR_ACCOUNT_ID } from '../../api/auth';
import { businessFailureOf } from '../../api/errors';
import type { Config } from '../../domain/config';
import type { Db } from '../../db/pool';
import { ErrorCode } from '../../domain/errors';
import { balanceOf, postJournal } from '../../db/ledger';
import { toMicro } from '../../domain/money';
import { rentalById } from '../../db/rentals';
import {
  endRentalUpdate,
  extendRentalUpdate,
  postRentalMessageUpdate,
  RENTAL_WORKFLOW_TYPE,
  type RentalInput,
  type RentalView,
  type RentalWorkflow,
  rentalStartOptions,
  rentalStatusQuery,
} from '../../workflows/rental/contract';
import {
  assertLedgerConsistent,
  availableMicro,
  createFundedAccount,
  createTestAccount,
} from '../harness/fixtures';
import { startTimeSkippingWorker, type TimeSkippingWorker } from '../harness/time-skipping-worker';

const PRICE = 0.5; // USDT per minute
const PRICE_MICRO = toMicro(PRICE)!;
const FEE_BPS = 1000;

describe('rental workflow lifecycle (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  let db: Db;
  let config: Config;
  let harness: TimeSkippingWorker | undefined;

  beforeAll(async () => {
    harness = await startTimeSkippingWorker();
    ({ env, db, config } = harness);
  }, 120_000);

  afterAll(async () => {
    await harness?.stop();
  });

  interface Started {
    handle: WorkflowHandle<RentalWorkflow>;
    input: RentalInput;
    renterStart: number;
  }

  /** Parties, funds, the hold (as the API posts it) and the workflow start. */
  async function startRental(
    minutes: number,
    opts: { fundUsdt?: number; historyLimit?: number } = {},
  ): Promise<Started> {
    const owner = await createTestAccount(db);
    const bot = await createTestAccount(db, { kind: 'bot', ownerId: owner.id, pricePerMinute: PRICE });
    const renter = await createFundedAccount(db, opts.fundUsdt ?? 100);
    const rentalId = randomUUID();
    const hold = PRICE_MICRO * minutes;
    await postJournal(db, {
      idempotencyKey: `rental-hold:${rentalId}`,
      kind: 'rental_hold',
      reference: `rental:${rentalId}`,
      lines: [
        { account: { ownerId: renter.id, purpose: 'available' }, amount: -hold },
        { account: { ownerId: renter.id, purpose: 'escrow', subject: `rental:${rentalId}` }, amount: hold },
      ],
    });
    const input: RentalInput = {
      rentalId,
      agentId: bot.id,
      agentName: bot.username,
      renterId: renter.id,
      renterUsername: renter.username,
      ownerId: owner.id,
      minutes,
      pricePerMinute: PRICE_MICRO,
      channel: 'API',
      eventsEnabled: false,
      historyLimit: opts.historyLimit,
    };
    const handle = await env.client.workflow.start<RentalWorkflow>(
      RENTAL_WORKFLOW_TYPE,
      rentalStartOptions(input, config.TEMPORAL_TASK_QUEUE),
    );
    return { handle, input, renterStart: toMicro(opts.fundUsdt ?? 100)! };
  }

  /** Queries until the view matches (the timer's workflow task may still be on its way). */
  async function statusWhen(
    handle: WorkflowHandle<RentalWorkflow>,
    ok: (v: RentalView) => boolean,
  ): Promise<RentalView> {
    let view = await handle.query(rentalStatusQuery);
    for (let i = 0; i < 100 && !ok(view); i++) {
      await new Promise((r) => setTimeout(r, 50));
      view = await handle.query(rentalStatusQuery);
    }
    expect(ok(view)).toBe(true);
    return view;
  }

  const escrow = (input: RentalInput) =>
    balanceOf(db, { ownerId: input.renterId, purpose: 'escrow', subject: `rental:${input.rentalId}` });

  async function expectSettled(r: Started, billed: number, paidMinutes: number) {
    const gross = PRICE_MICRO * billed;
    const fee = (gross * FEE_BPS) / 10_000;
    expect(await availableMicro(db, r.input.ownerId)).toBe(gross - fee);
    expect(await availableMicro(db, r.input.renterId)).toBe(r.renterStart - gross);
    expect(await escrow(r.input)).toBe(0);
    const journals = await db.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM ledger_journals WHERE reference = $1 GROUP BY kind`,
      [`rental:${r.input.rentalId}`],
    );
    const counts = Object.fromEntries(journals.rows.map((j) => [j.kind, j.n]));
    expect(counts.rental_settlement).toBe(1);
    expect(counts.rental_refund ?? 0).toBe(billed < paidMinutes ? 1 : 0);
    await assertLedgerConsistent(db);
  }

  /** The business error code an update failed with (walking the cause chain, as the API does). */
  const failureType = (err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return 'WORKFLOW_CLOSED';
    return err instanceof WorkflowUpdateFailedError
      ? (businessFailureOf(err)?.type ?? String(err.cause))
      : String(err);
  };

  it('a 60-minute rental warns once at 55 minutes and ends at 60 with the exact settlement', async () => {
    const r = await startRental(60);
    await env.sleep('54 minutes');
    expect((await r.handle.query(rentalStatusQuery)).warnings).toBe(0);
    await env.sleep('1 minute');
    const warned = await statusWhen(r.handle, (v) => v.warnings === 1);
    expect(warned.status).toBe('ending_soon');

    const final = await r.handle.result();
    expect(final).toMatchObject({ status: 'ended', endedBy: 'clock', warnings: 1, settled: true });
    // The agent was never seen down: no minute left out (health-gated billing, issue 25.3).
    expect(final.settlement).toEqual({
      billedMinutes: 60,
      ownerGross: PRICE_MICRO * 60,
      refund: 0,
      unavailableMinutes: [],
    });
    expect(Date.parse(final.endedAt!) - Date.parse(final.startsAt)).toBe(60 * 60_000);
    await expectSettled(r, 60, 60);
    const row = await rentalById(db, r.input.rentalId);
    expect(row).toMatchObject({
      status: 'ended',
      ended_by: 'clock',
      settled: true,
      billed_minutes: 60,
      refund: 0,
    });
  });

  it('a 3-minute rental warns at once and bills its 3 minutes', async () => {
    const r = await startRental(3);
    const view = await statusWhen(r.handle, (v) => v.warnings === 1);
    expect(view.status).toBe('ending_soon');
    const final = await r.handle.result();
    expect(final.warnings).toBe(1);
    expect(final.settlement?.billedMinutes).toBe(3);
    await expectSettled(r, 3, 3);
  });

  it('an extension after the warning re-arms it: it fires again 5 minutes before the new end', async () => {
    const r = await startRental(10);
    await env.sleep('6 minutes');
    await statusWhen(r.handle, (v) => v.warnings === 1 && v.status === 'ending_soon');

    const extended = await r.handle.executeUpdate(extendRentalUpdate, {
      args: [{ minutes: 10, byAccountId: r.input.renterId, requestId: randomUUID() }],
    });
    expect(extended).toMatchObject({ status: 'active', minutes: 20, warnings: 1 });
    expect(Date.parse(extended.endsAt) - Date.parse(extended.startsAt)).toBe(20 * 60_000);

    await env.sleep('8 minutes'); // t = 14: six minutes left, no new warning yet
    expect((await r.handle.query(rentalStatusQuery)).warnings).toBe(1);
    await env.sleep('1 minute'); // t = 15: five minutes left
    await statusWhen(r.handle, (v) => v.warnings === 2 && v.status === 'ending_soon');

    const final = await r.handle.result();
    expect(final.settlement).toEqual({
      billedMinutes: 20,
      ownerGross: PRICE_MICRO * 20,
      refund: 0,
      unavailableMinutes: [],
    });
    await expectSettled(r, 20, 20);
    const row = await rentalById(db, r.input.rentalId);
    expect(row?.minutes).toBe(20);
  });

  it('the renter ending during minute 10 of 60 pays 10 minutes and gets exactly 50 back', async () => {
    const r = await startRental(60);
    await env.sleep('570 seconds');
    const ended = await r.handle.executeUpdate(endRentalUpdate, {
      args: [{ byAccountId: r.input.renterId, reason: 'done early' }],
    });
    expect(ended).toMatchObject({ status: 'ended', endedBy: 'renter', settled: true });
    expect(ended.settlement).toEqual({
      billedMinutes: 10,
      ownerGross: PRICE_MICRO * 10,
      refund: PRICE_MICRO * 50,
      unavailableMinutes: [],
    });
    await r.handle.result();
    await expectSettled(r, 10, 60);
  });

  it('an end racing the clock, and a second end, settle exactly once', async () => {
    const r = await startRental(2);
    const end = () =>
      r.handle
        .executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.renterId }] })
        .then(() => 'ended', failureType);
    const [, first, second] = await Promise.all([env.sleep('2 minutes'), end(), end()]);
    expect([first, second].filter((o) => o === 'ended').length).toBeLessThanOrEqual(1);
    expect([first, second].every((o) => o === 'ended' || o === ErrorCode.Conflict)).toBe(true);
    const final = await r.handle.result();
    expect(['clock', 'renter']).toContain(final.endedBy);
    await expectSettled(r, final.settlement!.billedMinutes, 2);
  });

  it('an operator force-ends a rental and the renter gets the unused minutes back', async () => {
    const r = await startRental(30);
    await env.sleep('250 seconds');
    const ended = await r.handle.executeUpdate(endRentalUpdate, {
      args: [{ byAccountId: OPERATOR_ACCOUNT_ID, byOperator: true, reason: 'abuse report' }],
    });
    expect(ended).toMatchObject({ endedBy: 'operator', reason: 'abuse report' });
    expect(ended.settlement).toEqual({
      billedMinutes: 5,
      ownerGross: PRICE_MICRO * 5,
      refund: PRICE_MICRO * 25,
      unavailableMinutes: [],
    });
    await r.handle.result();
    await expectSettled(r, 5, 30);
  });

  it('refuses a message once the rental ended, and an extension the renter cannot pay changes nothing', async () => {
    const r = await startRental(10, { fundUsdt: 5 }); // exactly the 10-minute hold
    const short = await r.handle
      .executeUpdate(extendRentalUpdate, {
        args: [{ minutes: 5, byAccountId: r.input.renterId, requestId: randomUUID() }],
      })
      .then(() => 'extended', failureType);
    expect(short).toBe(ErrorCode.InsufficientBalance);
    expect((await r.handle.query(rentalStatusQuery)).minutes).toBe(10);

    await r.handle.executeUpdate(endRentalUpdate, { args: [{ byAccountId: r.input.ownerId }] });
    const late = await r.handle
      .executeUpdate(postRentalMessageUpdate, {
        args: [{ senderId: r.input.renterId, content: 'still there?' }],
      })
      .then(() => 'stored', failureType);
    // Refused by the validator, or the settled workflow has already closed (the API answers both with 400).
    expect([ErrorCode.RentalEnded, 'WORKFLOW_CLOSED']).toContain(late);
    const final = await r.handle.result();
    expect(final.endedBy).toBe('owner');
    await expectSettled(r, 1, 10);
  });

  it('continues as new under a busy chat, keeping every message, the clock and a single settlement', async () => {
    const r = await startRental(30, { historyLimit: 40 });
    const firstRun = (await r.handle.describe()).runId;
    const posts = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        r.handle.executeUpdate(postRentalMessageUpdate, {
          args: [{ senderId: i % 2 ? r.input.agentId : r.input.renterId, content: `m${i}` }],
        }),
      ),
    );
    expect(new Set(posts.map((m) => m.seq)).size).toBe(16);
    const later = await r.handle.executeUpdate(postRentalMessageUpdate, {
      args: [{ senderId: r.input.renterId, content: 'after the new run' }],
    });
    expect(later.seq).toBe(17);
    expect((await r.handle.describe()).runId).not.toBe(firstRun);

    const final = await r.handle.result();
    expect(final).toMatchObject({ endedBy: 'clock', warnings: 1, minutes: 30 });
    expect(Date.parse(final.endedAt!) - Date.parse(final.startsAt)).toBe(30 * 60_000);
    const stored = await db.query<{ seq: number }>(
      'SELECT seq FROM rental_messages WHERE rental_id = $1 ORDER BY seq',
      [r.input.rentalId],
    );
    expect(stored.rows.map((m) => m.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    await expectSettled(r, 30, 30);
  });
});
