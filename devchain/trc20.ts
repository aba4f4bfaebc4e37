// The one TRC-20 contract on the devchain: "Tether USD" (USDT, 6 decimals), executed natively
// instead of by a TVM. Behaves like TetherToken for the calls wallets and indexers make.
import { USDT_DECIMALS, USDT_NAME, USDT_SYMBOL } from './config';
import { addressToWord, keccak256Hex, selectorOf, stringToAbi, uintToWord, wordToAddress } from './encoding';
import type { WorldState } from './state';

export const TRANSFER_EVENT_SIGNATURE = 'Transfer(address,address,uint256)';
/** topics[0] of Transfer logs, hex without 0x as java-tron prints it. */
export const TRANSFER_TOPIC = keccak256Hex(TRANSFER_EVENT_SIGNATURE);

export const SELECTORS = {
  transfer: selectorOf('transfer(address,uint256)'),
  balanceOf: selectorOf('balanceOf(address)'),
  decimals: selectorOf('decimals()'),
  symbol: selectorOf('symbol()'),
  name: selectorOf('name()'),
  totalSupply: selectorOf('totalSupply()'),
} as const;

export interface EventLog {
  /** Emitting contract, 41-hex. */
  address: string;
  topics: string[];
  data: string;
}

export interface CallResult {
  status: 'SUCCESS' | 'REVERT';
  /** ABI-encoded return data, hex without 0x ("" on revert). */
  output: string;
  logs: EventLog[];
  isTransfer: boolean;
}

export interface CallContext {
  contract: string;
  caller: string;
  /** calldata hex (selector + arguments) without 0x. */
  data: string;
  /** Forces a transfer to revert without touching balances (POST /admin/fail-next). */
  forceRevert?: boolean;
}

const revert = (isTransfer: boolean): CallResult => ({ status: 'REVERT', output: '', logs: [], isTransfer });

/** Runs a call against `state`, mutating it only when a transfer succeeds. */
export function callUsdt(state: WorldState, ctx: CallContext): CallResult {
  const data = ctx.data.toLowerCase();
  const selector = data.slice(0, 8);
  const args = data.slice(8);
  const ok = (output: string): CallResult => ({ status: 'SUCCESS', output, logs: [], isTransfer: false });
  switch (selector) {
    case SELECTORS.transfer: {
      if (ctx.forceRevert || args.length < 128) return revert(true);
      const to = wordToAddress(args.slice(0, 64));
      const amount = BigInt('0x' + args.slice(64, 128));
      if (state.tokenBalance(ctx.caller) < amount) return revert(true);
      state.addTokens(ctx.caller, -amount);
      state.addTokens(to, amount);
      return {
        status: 'SUCCESS',
        output: uintToWord(1n),
        isTransfer: true,
        logs: [
          {
            address: ctx.contract,
            topics: [TRANSFER_TOPIC, addressToWord(ctx.caller), addressToWord(to)],
            data: uintToWord(amount),
          },
        ],
      };
    }
    case SELECTORS.balanceOf:
      if (args.length < 64) return revert(false);
      return ok(uintToWord(state.tokenBalance(wordToAddress(args.slice(0, 64)))));
    case SELECTORS.decimals:
      return ok(uintToWord(BigInt(USDT_DECIMALS)));
    case SELECTORS.symbol:
      return ok(stringToAbi(USDT_SYMBOL));
    case SELECTORS.name:
      return ok(stringToAbi(USDT_NAME));
    case SELECTORS.totalSupply:
      return ok(uintToWord(state.totalSupply));
    default:
      // No fallback function: unknown selectors (approve, transferFrom, …) revert.
      return revert(false);
  }
}

/** ABI as java-tron's getcontract prints it (capitalised enum names under `entrys`). */
export const USDT_ABI = {
  entrys: [
    {
      constant: true,
      name: 'name',
      outputs: [{ type: 'string' }],
      stateMutability: 'View',
      type: 'Function',
    },
    {
      constant: true,
      name: 'symbol',
      outputs: [{ type: 'string' }],
      stateMutability: 'View',
      type: 'Function',
    },
    {
      constant: true,
      name: 'decimals',
      outputs: [{ type: 'uint8' }],
      stateMutability: 'View',
      type: 'Function',
    },
    {
      constant: true,
      name: 'totalSupply',
      outputs: [{ type: 'uint256' }],
      stateMutability: 'View',
      type: 'Function',
    },
    {
      constant: true,
      inputs: [{ name: 'who', type: 'address' }],
      name: 'balanceOf',
      outputs: [{ type: 'uint256' }],
      stateMutability: 'View',
      type: 'Function',
    },
    {
      inputs: [
        { name: '_to', type: 'address' },
        { name: '_value', type: 'uint256' },
      ],
      name: 'transfer',
      outputs: [{ type: 'bool' }],
      stateMutability: 'Nonpayable',
      type: 'Function',
    },
    {
      anonymous: false,
      inputs: [
        { indexed: true, name: 'from', type: 'address' },
        { indexed: true, name: 'to', type: 'address' },
        { name: 'value', type: 'uint256' },
      ],
      name: 'Transfer',
      type: 'Event',
    },
  ],
};
