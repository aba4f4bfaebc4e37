// Test controls (SPEC §4): mint, mine, fail-next, reorg, info. Errors are {"error": "..."} with 400,
// following the project's API conventions rather than java-tron's.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AdminError, type Chain } from './chain';
import { USDT_DECIMALS } from './config';
import { AddressError, toBase58Address, toHexAddress } from './encoding';
import { faucetTransfer } from './faucet';
import { ParamError, readParams } from './http';

/** Decimal amount (JSON number or string) → integer units with `decimals` places; at most that many. */
export function parseDecimalUnits(value: number | string, decimals: number): bigint {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match || (typeof value === 'number' && !Number.isFinite(value))) {
    throw new AdminError(`invalid amount ${JSON.stringify(value)}: expected a non-negative decimal`);
  }
  const frac = match[2] ?? '';
  if (frac.length > decimals) throw new AdminError(`amount ${text} has more than ${decimals} decimals`);
  return BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

export function formatUnits(units: bigint, decimals: number): string {
  const s = units.toString().padStart(decimals + 1, '0');
  return `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
}

const amount = z.union([z.number(), z.string()]);
const mintBody = z.object({ address: z.string(), usdt: amount.optional(), trx: amount.optional() });
const transferBody = z.object({ to: z.string(), usdt: amount });
const mineBody = z.object({ blocks: z.coerce.number().int().min(1).max(10_000).default(1) });
const failNextBody = z.object({ count: z.coerce.number().int().min(1).max(1_000).default(1) });
const reorgBody = z.object({ depth: z.coerce.number().int().min(1) });
const faultBody = z
  .object({
    /** Block number whose reads answer `{}` (lists carry it without transactions). */
    empty_block: z.coerce.number().int().min(0).optional(),
    /** Transaction lookups to fail (`{}`) for this txid, or `*` for any. */
    fail_lookup: z.string().min(1).optional(),
    /** How many reads each armed fault spoils (empty_block: until cleared; fail_lookup: once). */
    times: z.coerce.number().int().min(1).max(1_000_000).optional(),
    /** Extra blocks the solidified head lags behind (0 = back to normal). */
    solidity_lag_extra: z.coerce.number().int().min(0).max(100_000).optional(),
    /** Disarms every block and lookup fault (not the lag). */
    clear: z.boolean().optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, params: unknown): T {
  const r = schema.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new AdminError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return r.data;
}

export interface AdminInfoOptions {
  blockIntervalMs: number;
}

export function adminRouter(chain: Chain, opts: AdminInfoOptions): Router {
  const router = Router();
  const handle = (fn: (params: unknown) => unknown) => (req: Request, res: Response) => {
    try {
      res.json(fn(readParams(req)));
    } catch (e) {
      if (e instanceof AdminError || e instanceof ParamError || e instanceof AddressError) {
        res.status(400).json({ error: e.message });
      } else {
        res.status(500).json({ error: `devchain internal error: ${(e as Error).message}` });
      }
    }
  };

  const balances = (address: string) => {
    const state = chain.stateOf('head');
    const usdt = state.tokenBalance(address);
    const trx = state.trxBalance(address);
    return {
      address: toBase58Address(address),
      addressHex: address,
      usdt: formatUnits(usdt, USDT_DECIMALS),
      trx: formatUnits(trx, 6),
      usdtUnits: Number(usdt),
      trxSun: Number(trx),
    };
  };

  const headInfo = () => {
    const head = chain.head();
    return {
      head: head.number,
      headBlockId: head.blockID,
      headTimestamp: head.timestamp,
      solidified: chain.solidified,
    };
  };

  router.post(
    '/admin/mint',
    handle((params) => {
      const body = parse(mintBody, params);
      const address = toHexAddress(body.address);
      const usdt = body.usdt === undefined ? 0n : parseDecimalUnits(body.usdt, USDT_DECIMALS);
      const trx = body.trx === undefined ? 0n : parseDecimalUnits(body.trx, 6);
      if (usdt === 0n && trx === 0n) throw new AdminError('nothing to mint: give usdt and/or trx');
      chain.mint(address, usdt, trx);
      return balances(address);
    }),
  );

  // A real signed USDT transfer from the faucet (a deposit, unlike a mint); mined with the next block.
  router.post(
    '/admin/transfer',
    handle((params) => {
      const body = parse(transferBody, params);
      const to = toHexAddress(body.to);
      const { txid, from } = faucetTransfer(chain, to, parseDecimalUnits(body.usdt, USDT_DECIMALS));
      return { txid, from: toBase58Address(from), to: toBase58Address(to), usdt: body.usdt };
    }),
  );

  router.post(
    '/admin/mine',
    handle((params) => {
      const { blocks } = parse(mineBody, params);
      const produced = chain.mine(blocks);
      return {
        ...headInfo(),
        blocks: produced
          .filter((b, i) => b.txs.length > 0 || i === produced.length - 1)
          .map((b) => ({ number: b.number, blockID: b.blockID, txids: b.txs.map(({ tx }) => tx.txid) })),
      };
    }),
  );

  router.post(
    '/admin/fail-next',
    handle((params) => ({ armed: chain.armFailNext(parse(failNextBody, params).count) })),
  );

  router.post(
    '/admin/reorg',
    handle((params) => {
      const { depth } = parse(reorgBody, params);
      const { droppedBlocks, droppedTxids } = chain.reorg(depth);
      return {
        ...headInfo(),
        droppedBlocks: droppedBlocks.map((b) => ({ number: b.number, blockID: b.blockID })),
        droppedTxids,
      };
    }),
  );

  router.post(
    '/admin/fault',
    handle((params) => {
      const body = parse(faultBody, params);
      if (body.clear) chain.faults.clear();
      if (body.empty_block !== undefined) chain.faults.emptyBlock(body.empty_block, body.times);
      if (body.fail_lookup !== undefined) chain.faults.failLookup(body.fail_lookup, body.times);
      if (body.solidity_lag_extra !== undefined) chain.setSolidityLagExtra(body.solidity_lag_extra);
      return { ...headInfo(), faults: chain.faults.info(chain.solidityLagExtra) };
    }),
  );

  router.get(
    '/admin/info',
    handle(() => ({
      usdtContract: toBase58Address(chain.usdtContract),
      usdtContractHex: chain.usdtContract,
      ...headInfo(),
      blockIntervalMs: opts.blockIntervalMs,
      solidityLag: chain.solidityLag,
      witness: toBase58Address(chain.witness.address),
      witnessHex: chain.witness.address,
      pending: chain.pendingCount,
      failNextArmed: chain.failNextArmed,
      faults: chain.faults.info(chain.solidityLagExtra),
      fees: chain.fees,
    })),
  );

  // Convenience for tests: USDT and TRX of an address as the full node sees them (pending included).
  router.get('/admin/balance/:address', (req: Request<{ address: string }>, res: Response) =>
    handle(() => balances(toHexAddress(req.params.address)))(req, res),
  );

  router.get(
    '/admin/mints',
    handle(() =>
      chain.mints.map((m) => ({
        address: toBase58Address(m.address),
        addressHex: m.address,
        usdt: formatUnits(m.usdtUnits, USDT_DECIMALS),
        trx: formatUnits(m.trxSun, 6),
        headBlock: m.headBlock,
        time: new Date(m.time).toISOString(),
      })),
    ),
  );

  return router;
}
