import { utils } from 'tronweb';
import { blockHeaderHash, refBlockOf } from '../../devchain/block';
import { AdminError, Chain, deriveUsdtAddress } from '../../devchain/chain';
import { addressToWord, uintToWord } from '../../devchain/encoding';
import { SELECTORS } from '../../devchain/trc20';
import {
  buildTx,
  parseTxHex,
  parseTxJson,
  txBytesHex,
  unsignedTxJson,
  type ContractValue,
  type Tx,
} from '../../devchain/tx';

interface Account {
  hex: string;
  key: string;
}

const T0 = 1_700_000_000_000;

function account(): Account {
  const a = utils.accounts.generateAccount();
  return { hex: a.address.hex.toLowerCase(), key: a.privateKey };
}

function sign(tx: Tx, key: string): Tx {
  const signed = utils.crypto.signTransaction(key, { txID: tx.txid }) as { signature: string[] };
  return { ...tx, signatures: signed.signature.map((s) => s.toLowerCase()) };
}

function newChain(lag = 3) {
  let now = T0;
  const chain = new Chain({ seed: 'unit', solidityLag: lag, now: () => now });
  return { chain, tick: (ms: number) => (now += ms) };
}

function transferTx(
  chain: Chain,
  from: Account,
  to: string,
  amount: bigint,
  contract?: Partial<ContractValue>,
): Tx {
  const tx = buildTx({
    contract: {
      type: 'TriggerSmartContract',
      owner: from.hex,
      contract: chain.usdtContract,
      data: SELECTORS.transfer + addressToWord(to) + uintToWord(amount),
      callValue: 0,
      callTokenValue: 0,
      tokenId: 0,
      ...contract,
    } as ContractValue,
    permissionId: 0,
    feeLimit: 100_000_000,
    data: '',
    ...chain.newTxHeader(),
  });
  return sign(tx, from.key);
}

const submit = (chain: Chain, tx: Tx) => chain.broadcast({ txid: tx.txid, rawDataHex: tx.rawDataHex, tx });

describe('devchain chain', () => {
  it('derives the USDT contract address from the seed only', () => {
    expect(new Chain({ seed: 'a' }).usdtContract).toBe(deriveUsdtAddress('a'));
    expect(deriveUsdtAddress('a')).not.toBe(deriveUsdtAddress('b'));
    expect(deriveUsdtAddress('a')).toMatch(/^41[0-9a-f]{40}$/);
  });

  it('links blocks by parentHash, prefixes blockIDs with the number and signs headers with the witness key', () => {
    const { chain } = newChain();
    const [b1, b2] = chain.mine(2);
    expect(b2.parentHash).toBe(b1.blockID);
    expect(b2.blockID.slice(0, 16)).toBe('0000000000000002');
    expect(utils.crypto.ecRecover(blockHeaderHash(b2), b2.witnessSignature).toLowerCase()).toBe(
      chain.witness.address,
    );
  });

  it('advances chain time at least one 3 s slot per block even when mined instantly', () => {
    const { chain } = newChain();
    const blocks = chain.mine(3);
    expect(blocks.map((b) => b.timestamp - T0)).toEqual([3000, 6000, 9000]);
  });

  it('keeps the solidified height monotonic across reorgs', () => {
    const { chain } = newChain(3);
    chain.mine(10);
    expect(chain.solidified).toBe(7);
    chain.reorg(3);
    expect(chain.head().number).toBe(7);
    expect(chain.solidified).toBe(7);
    expect(() => chain.reorg(1)).toThrow(AdminError);
    chain.mine(1);
    expect(chain.solidified).toBe(7);
  });

  it('never repeats a block id at a re-mined height', () => {
    const { chain } = newChain();
    const [original] = chain.mine(1);
    chain.reorg(1);
    const [replacement] = chain.mine(1);
    expect(replacement.number).toBe(original.number);
    expect(replacement.blockID).not.toBe(original.blockID);
  });

  it('round-trips a signed transaction through protobuf hex and JSON with the same txID', () => {
    const { chain } = newChain();
    const alice = account();
    const tx = transferTx(chain, alice, account().hex, 5n);
    const fromHex = parseTxHex(txBytesHex(tx));
    expect(fromHex.txid).toBe(tx.txid);
    expect(fromHex.tx?.raw).toEqual(tx.raw);
    const json = { ...unsignedTxJson(tx, true), signature: tx.signatures };
    const fromJson = parseTxJson(json);
    expect(fromJson.rawDataHex).toBe(tx.rawDataHex);
    expect(fromJson.tx?.raw).toEqual(tx.raw);
    expect(utils.transaction.txCheck(unsignedTxJson(tx, false))).toBe(true);
  });

  it('applies mints to both the head and the solidified view, USDT alone creating no account', () => {
    const { chain } = newChain();
    chain.mine(5);
    const a = account();
    chain.mint(a.hex, 7n, 0n);
    expect(chain.stateOf('solid').tokenBalance(a.hex)).toBe(7n);
    expect(chain.stateOf('head').account(a.hex)).toBeUndefined();
    chain.mint(a.hex, 0n, 9n);
    expect(chain.stateOf('solid').trxBalance(a.hex)).toBe(9n);
    chain.reorg(1);
    expect(chain.stateOf('head').tokenBalance(a.hex)).toBe(7n);
  });

  it('keeps a still-valid pending transaction in the pool across a reorg', () => {
    const { chain } = newChain();
    chain.mine(2);
    const a = account();
    chain.mint(a.hex, 10n, 100_000_000n);
    // reference a block that survives the reorg
    const tx = transferTx(chain, a, account().hex, 1n);
    chain.mine(1);
    expect(submit(chain, tx)).toEqual({ result: true, txid: tx.txid });
    chain.reorg(1);
    expect(chain.isPending(tx.txid)).toBe(true);
    const [block] = chain.mine(1);
    expect(block.txs.map((t) => t.tx.txid)).toEqual([tx.txid]);
  });

  it('checks TAPOS against the hash of the referenced block', () => {
    const { chain } = newChain();
    chain.mine(1);
    const a = account();
    chain.mint(a.hex, 10n, 100_000_000n);
    const good = transferTx(chain, a, account().hex, 1n);
    const forged = sign(buildTx({ ...good.raw, refBlockHash: '00'.repeat(8) }), a.key);
    expect(submit(chain, forged)).toMatchObject({ result: false, code: 'TAPOS_ERROR' });
    expect(submit(chain, good)).toMatchObject({ result: true });
    expect(refBlockOf(chain.head()).refBlockBytes).toBe('0001');
  });

  it('consumes /admin/fail-next only with USDT transfers', () => {
    const { chain } = newChain();
    const a = account();
    const b = account();
    chain.mint(a.hex, 10n, 100_000_000n);
    chain.armFailNext();
    const trx = sign(
      buildTx({
        contract: { type: 'TransferContract', owner: a.hex, to: b.hex, amount: 1 },
        permissionId: 0,
        feeLimit: 0,
        data: '',
        ...chain.newTxHeader(),
      }),
      a.key,
    );
    expect(submit(chain, trx)).toMatchObject({ result: true });
    expect(chain.failNextArmed).toBe(1);
    expect(submit(chain, transferTx(chain, a, b.hex, 1n))).toMatchObject({ result: true });
    expect(chain.failNextArmed).toBe(0);
    const [block] = chain.mine(1);
    expect(block.txs.map((t) => t.outcome.contractRet)).toEqual(['SUCCESS', 'REVERT']);
    expect(chain.stateOf('head').tokenBalance(b.hex)).toBe(0n);
  });

  it('reverts a USDT call that carries TRX without moving it', () => {
    const { chain } = newChain();
    const a = account();
    chain.mint(a.hex, 10n, 100_000_000n);
    const tx = transferTx(chain, a, account().hex, 1n, { callValue: 5 } as Partial<ContractValue>);
    expect(submit(chain, tx)).toMatchObject({ result: true });
    const [block] = chain.mine(1);
    expect(block.txs[0].outcome).toMatchObject({
      contractRet: 'REVERT',
      resMessage: 'REVERT opcode executed',
    });
    expect(chain.stateOf('head').tokenBalance(a.hex)).toBe(10n);
  });

  it('drops a pending transaction a reorg made unaffordable', () => {
    const { chain } = newChain();
    const [funder, spender] = [account(), account()];
    chain.mint(funder.hex, 0n, 100_000_000n);
    chain.mint(spender.hex, 10n, 1n);
    const funding = sign(
      buildTx({
        contract: { type: 'TransferContract', owner: funder.hex, to: spender.hex, amount: 50_000_000 },
        permissionId: 0,
        feeLimit: 0,
        data: '',
        ...chain.newTxHeader(),
      }),
      funder.key,
    );
    expect(submit(chain, funding)).toMatchObject({ result: true });
    chain.mine(1);
    const spend = transferTx(chain, spender, account().hex, 1n);
    expect(submit(chain, spend)).toMatchObject({ result: true });
    chain.reorg(1);
    expect(chain.isPending(spend.txid)).toBe(false);
    expect(chain.stateOf('head').trxBalance(spender.hex)).toBe(1n);
  });
});
