/** The TRON chain adapter: address encoding and derivation (services/tron-address.ts), Transfer events (services/tron-events.ts). */
import { utils } from 'tronweb';
import {
  base58FromHex,
  deriveDepositAddress,
  hex20FromBase58,
  isTronBase58Address,
} from '../../services/tron-address';
import { TRANSFER_TOPIC, type TronTransactionInfo, transfersOf } from '../../services/tron-events';

const MNEMONIC = 'test test test test test test test test test test test junk';
const usdt = utils.accounts.generateAccount().address.base58;
const otherToken = utils.accounts.generateAccount().address.base58;
const alice = utils.accounts.generateAccount().address.base58;
const bob = utils.accounts.generateAccount().address.base58;

const topic = (address: string) => hex20FromBase58(address).padStart(64, '0');
const transferLog = (contract: string, to: string, units: bigint) => ({
  address: hex20FromBase58(contract),
  topics: [TRANSFER_TOPIC, topic(alice), topic(to)],
  data: units.toString(16).padStart(64, '0'),
});
const info = (over: Partial<TronTransactionInfo> = {}): TronTransactionInfo => ({
  id: 'ab'.repeat(32),
  blockNumber: 10,
  receipt: { result: 'SUCCESS' },
  log: [transferLog(usdt, bob, 25_000_000n)],
  ...over,
});

describe('TRON addresses', () => {
  it("derives deposit addresses from the mnemonic at m/44'/195'/0'/0/<index>, stable and distinct", () => {
    expect(deriveDepositAddress(MNEMONIC, 1)).toBe('TPjjvMwjPoDC32V2dGDYTkLH4E5LAtBZ6C');
    expect(deriveDepositAddress(MNEMONIC, 1)).toBe(deriveDepositAddress(MNEMONIC, 1));
    expect(deriveDepositAddress(MNEMONIC, 2)).not.toBe(deriveDepositAddress(MNEMONIC, 1));
  });

  it('accepts only base58check addresses starting with T', () => {
    expect(isTronBase58Address(alice)).toBe(true);
    expect(isTronBase58Address(alice.slice(0, -1) + (alice.endsWith('A') ? 'B' : 'A'))).toBe(false);
    expect(isTronBase58Address(`41${hex20FromBase58(alice)}`)).toBe(false);
    expect(isTronBase58Address('')).toBe(false);
  });

  it('round-trips base58 and the 20-byte hex of logs', () => {
    expect(base58FromHex(hex20FromBase58(alice))).toBe(alice);
    expect(base58FromHex(topic(alice))).toBe(alice);
  });
});

describe('Transfer events', () => {
  it('reads a USDT Transfer with its log index, recipient and amount', () => {
    expect(transfersOf(info(), hex20FromBase58(usdt))).toEqual([
      { txid: 'ab'.repeat(32), logIndex: 0, blockNumber: 10, from: alice, to: bob, amount: 25_000_000n },
    ]);
  });

  it('ignores Transfer events of any other TRC-20 contract', () => {
    const tx = info({ log: [transferLog(otherToken, bob, 5n), transferLog(usdt, bob, 7n)] });
    expect(transfersOf(tx, hex20FromBase58(usdt)).map((t) => [t.logIndex, t.amount])).toEqual([[1, 7n]]);
  });

  it('reads nothing from a failed transaction', () => {
    expect(
      transfersOf(info({ result: 'FAILED', receipt: { result: 'REVERT' } }), hex20FromBase58(usdt)),
    ).toEqual([]);
    expect(transfersOf(info({ receipt: { result: 'OUT_OF_ENERGY' } }), hex20FromBase58(usdt))).toEqual([]);
  });

  it('ignores logs that are not Transfer(address,address,uint256)', () => {
    const approval = {
      ...transferLog(usdt, bob, 1n),
      topics: ['8c5be1e5'.padEnd(64, '0'), topic(alice), topic(bob)],
    };
    expect(transfersOf(info({ log: [approval] }), hex20FromBase58(usdt))).toEqual([]);
  });
});
