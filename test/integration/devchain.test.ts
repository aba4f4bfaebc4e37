// devchain driven by tronweb itself, as the deposit and withdrawal workflows will drive it.
import { TronWeb, utils, type Types } from 'tronweb';
import { startDevchain, type DevchainHandle } from '../../devchain/server';

type SignedTransaction = Types.SignedTransaction;

interface Wallet {
  address: string;
  hex: string;
  privateKey: string;
  tw: TronWeb;
}

interface MineResult {
  head: number;
  headBlockId: string;
  solidified: number;
  blocks: Array<{ number: number; blockID: string; txids: string[] }>;
}

const FEE_LIMIT = 100_000_000;
/** default fee schedule: 345 bytes × 1000 sun + 65 000 energy × 210 sun */
const TRC20_FEE_SUN = 13_995_000;

let chain: DevchainHandle;
let reader: TronWeb;

async function call<T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const res = await fetch(chain.url + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as T };
}

const post = async <T = Record<string, unknown>>(path: string, body: unknown = {}) =>
  (await call<T>(path, body)).body;
const mine = (blocks = 1) => post<MineResult>('/admin/mine', { blocks });

async function wallet(funds: { usdt?: number; trx?: number } = { usdt: 100, trx: 100 }): Promise<Wallet> {
  const account = utils.accounts.generateAccount();
  const w = {
    address: account.address.base58,
    hex: account.address.hex.toLowerCase(),
    privateKey: account.privateKey,
    tw: new TronWeb({ fullHost: chain.url, privateKey: account.privateKey }),
  };
  if (funds.usdt || funds.trx) await post('/admin/mint', { address: w.address, ...funds });
  return w;
}

async function usdtBalance(address: string): Promise<bigint> {
  const usdt = await reader.contract().at(chain.usdtContract);
  return BigInt((await usdt.balanceOf(address).call()).toString());
}

async function signedTransfer(from: Wallet, to: string, amount: number, feeLimit = FEE_LIMIT, signer = from) {
  const { transaction } = await from.tw.transactionBuilder.triggerSmartContract(
    chain.usdtContract,
    'transfer(address,uint256)',
    { feeLimit },
    [
      { type: 'address', value: to },
      { type: 'uint256', value: amount },
    ],
    from.address,
  );
  // trx.sign refuses a key that does not own the transaction, so a foreign signature is made directly.
  return signer === from
    ? from.tw.trx.sign(transaction, from.privateKey)
    : (utils.crypto.signTransaction(signer.privateKey, { ...transaction }) as SignedTransaction);
}

const broadcast = (w: Wallet, tx: SignedTransaction) =>
  w.tw.trx.sendRawTransaction(tx) as Promise<{
    result?: boolean;
    code?: string;
    txid: string;
    message?: string;
  }>;

const hexToUtf8 = (hex: string) => Buffer.from(hex, 'hex').toString('utf8');

beforeAll(async () => {
  chain = await startDevchain({ port: 0, blockIntervalMs: 0 });
  const r = utils.accounts.generateAccount();
  reader = new TronWeb({ fullHost: chain.url });
  reader.setAddress(r.address.base58);
});

afterAll(async () => {
  await chain?.stop();
});

describe('devchain', () => {
  it('mint credits USDT and TRX at once, visible to tronweb reads', async () => {
    const w = await wallet({ usdt: 12.345678, trx: 50 });
    expect(await usdtBalance(w.address)).toBe(12_345_678n);
    expect(await w.tw.trx.getUnconfirmedBalance(w.address)).toBe(50_000_000);
    // A faucet credit is not a transaction: the solidified view has it too.
    expect(await w.tw.trx.getBalance(w.address)).toBe(50_000_000);
  });

  it('mint rejects more than 6 decimals and bad addresses with 400', async () => {
    const w = await wallet({});
    expect((await call('/admin/mint', { address: w.address, usdt: '1.0000001' })).status).toBe(400);
    expect((await call('/admin/mint', { address: 'TNotAnAddress', usdt: 1 })).status).toBe(400);
  });

  it('serves the USDT contract metadata through contract().at()', async () => {
    const usdt = await reader.contract().at(chain.usdtContract);
    expect(await usdt.name().call()).toBe('Tether USD');
    expect(await usdt.symbol().call()).toBe('USDT');
    expect(Number(await usdt.decimals().call())).toBe(6);
    const info = (await call<{ usdtContract: string; solidityLag: number }>('/admin/info')).body;
    expect(info.usdtContract).toBe(chain.usdtContract);
    expect(info.solidityLag).toBe(19);
  });

  it('packs a contract().transfer().send() into the next block with a SUCCESS receipt and Transfer log', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const usdt = await alice.tw.contract().at(chain.usdtContract);
    const txid: string = await usdt.transfer(bob.address, 2_500_000).send({ feeLimit: FEE_LIMIT });
    expect(Object.keys(await reader.trx.getUnconfirmedTransactionInfo(txid))).toHaveLength(0);

    const mined = await mine();
    expect(mined.blocks[0].txids).toEqual([txid]);
    const info = await reader.trx.getUnconfirmedTransactionInfo(txid);
    expect(info).toMatchObject({
      id: txid,
      fee: TRC20_FEE_SUN,
      blockNumber: mined.head,
      contractResult: ['0'.repeat(63) + '1'],
      contract_address: reader.address.toHex(chain.usdtContract).toLowerCase(),
      receipt: { result: 'SUCCESS', energy_usage_total: 65_000, net_fee: 345_000 },
    });
    expect(info.result).toBeUndefined();
    expect(info.log).toEqual([
      {
        address: reader.address.toHex(chain.usdtContract).slice(2).toLowerCase(),
        topics: [
          'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef',
          alice.hex.slice(2).padStart(64, '0'),
          bob.hex.slice(2).padStart(64, '0'),
        ],
        data: (2_500_000).toString(16).padStart(64, '0'),
      },
    ]);
    expect(await usdtBalance(bob.address)).toBe(2_500_000n);
    expect(await alice.tw.trx.getUnconfirmedBalance(alice.address)).toBe(100_000_000 - TRC20_FEE_SUN);
    const tx = await reader.trx.getTransaction(txid);
    expect(tx.ret).toEqual([{ contractRet: 'SUCCESS' }]);
  });

  it('exposes a transaction to the solidity view only once 19 blocks are on top of it', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 1_000_000));
    const { head: included } = await mine();

    await mine(18);
    expect(Object.keys(await reader.trx.getTransactionInfo(txid))).toHaveLength(0);
    const solidBefore = await reader.trx.getConfirmedCurrentBlock();
    expect(solidBefore.block_header.raw_data.number).toBe(included - 1);

    await mine(1);
    expect(await reader.trx.getTransactionInfo(txid)).toMatchObject({ id: txid, blockNumber: included });
    const solidNow = await reader.trx.getConfirmedCurrentBlock();
    expect(solidNow.blockID).toBe((await reader.trx.getBlockByNumber(included)).blockID);
  });

  it('answers DUP_TRANSACTION_ERROR when the same signed transaction is broadcast again', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const tx = await signedTransfer(alice, bob.address, 1_000_000);
    expect(await broadcast(alice, tx)).toMatchObject({ result: true, txid: tx.txID });

    const pendingDup = await broadcast(alice, tx);
    expect(pendingDup).toMatchObject({ result: false, code: 'DUP_TRANSACTION_ERROR', txid: tx.txID });
    expect(hexToUtf8(pendingDup.message as string)).toBe('Dup transaction');
    await mine();
    expect(await broadcast(alice, tx)).toMatchObject({ code: 'DUP_TRANSACTION_ERROR', txid: tx.txID });
  });

  it('rejects a transaction signed by someone other than the owner with SIGERROR', async () => {
    const alice = await wallet();
    const mallory = await wallet({});
    const tx = await signedTransfer(alice, mallory.address, 1_000_000, FEE_LIMIT, mallory);
    const res = await broadcast(alice, tx);
    expect(res).toMatchObject({ result: false, code: 'SIGERROR', txid: tx.txID });
    expect(await usdtBalance(alice.address)).toBe(100_000_000n);
  });

  it('rejects raw_data changed after signing with SIGERROR', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const tx = await signedTransfer(alice, bob.address, 1_000_000);
    const tampered = { ...tx, raw_data: { ...tx.raw_data, fee_limit: FEE_LIMIT * 2 } };
    expect(await broadcast(alice, tampered)).toMatchObject({ result: false, code: 'SIGERROR' });
  });

  it('rejects an expired transaction with TRANSACTION_EXPIRATION_ERROR', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const tx = await signedTransfer(alice, bob.address, 1_000_000);
    // tronweb sets expiration = head time + 60 s; every mined block advances chain time ≥ 3 s.
    await mine(21);
    const res = await broadcast(alice, tx);
    expect(res).toMatchObject({ result: false, code: 'TRANSACTION_EXPIRATION_ERROR', txid: tx.txID });
    expect(hexToUtf8(res.message as string)).toBe('Transaction expired');
  });

  it('rejects a transaction whose reference block was reorged away with TAPOS_ERROR', async () => {
    await mine();
    const alice = await wallet();
    const bob = await wallet({});
    const tx = await signedTransfer(alice, bob.address, 1_000_000);
    await post('/admin/reorg', { depth: 1 });
    await mine();
    expect(await broadcast(alice, tx)).toMatchObject({ result: false, code: 'TAPOS_ERROR' });
  });

  it('includes a transfer after /admin/fail-next as REVERT with no token movement', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    expect(await post('/admin/fail-next')).toEqual({ armed: 1 });
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 1_000_000));
    const mined = await mine();
    expect(mined.blocks[0].txids).toContain(txid);

    const info = await reader.trx.getUnconfirmedTransactionInfo(txid);
    expect(info).toMatchObject({ result: 'FAILED', receipt: { result: 'REVERT' }, fee: TRC20_FEE_SUN });
    expect(hexToUtf8(info.resMessage)).toBe('REVERT opcode executed');
    expect(info.log).toBeUndefined();
    expect((await reader.trx.getTransaction(txid)).ret).toEqual([{ contractRet: 'REVERT' }]);
    expect(await usdtBalance(alice.address)).toBe(100_000_000n);
    expect(await usdtBalance(bob.address)).toBe(0n);
    // the next transfer is not affected
    const { txid: next } = await broadcast(alice, await signedTransfer(alice, bob.address, 1_000_000));
    await mine();
    expect((await reader.trx.getUnconfirmedTransactionInfo(next)).receipt.result).toBe('SUCCESS');
  });

  it('includes a transfer larger than the token balance as REVERT', async () => {
    const alice = await wallet({ usdt: 1, trx: 100 });
    const bob = await wallet({});
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 2_000_000));
    await mine();
    expect(await reader.trx.getUnconfirmedTransactionInfo(txid)).toMatchObject({
      result: 'FAILED',
      receipt: { result: 'REVERT' },
    });
    expect(await usdtBalance(alice.address)).toBe(1_000_000n);
  });

  it('fails a transfer whose fee_limit is below its energy cost with OUT_OF_ENERGY', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 1_000_000, 1_000_000));
    await mine();
    expect(await reader.trx.getUnconfirmedTransactionInfo(txid)).toMatchObject({
      result: 'FAILED',
      // energy = floor(fee_limit / 210 sun) units, all burnt, plus bandwidth
      fee: Math.floor(1_000_000 / 210) * 210 + 345_000,
      receipt: { result: 'OUT_OF_ENERGY' },
    });
    expect(await usdtBalance(bob.address)).toBe(0n);
  });

  it('drops an unsolidified transfer on /admin/reorg and never re-includes it', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 3_000_000));
    const mined = await mine();
    expect(await usdtBalance(bob.address)).toBe(3_000_000n);

    const reorg = await post<{ head: number; droppedTxids: string[] }>('/admin/reorg', { depth: 1 });
    expect(reorg.head).toBe(mined.head - 1);
    expect(reorg.droppedTxids).toEqual([txid]);
    expect(Object.keys(await reader.trx.getUnconfirmedTransactionInfo(txid))).toHaveLength(0);
    expect(await usdtBalance(bob.address)).toBe(0n);
    expect(await alice.tw.trx.getUnconfirmedBalance(alice.address)).toBe(100_000_000);

    const remined = await mine(2);
    expect(remined.blocks.flatMap((b) => b.txids)).not.toContain(txid);
    expect((await reader.trx.getBlockByNumber(mined.head)).blockID).not.toBe(mined.blocks[0].blockID);
    expect(Object.keys(await reader.trx.getUnconfirmedTransactionInfo(txid))).toHaveLength(0);
  });

  it('refuses to reorg past the solidified block with 400', async () => {
    const { head, solidified } = await mine(20);
    const res = await call<{ error: string }>('/admin/reorg', { depth: head - solidified + 1 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/solidified/);
    expect((await call<{ head: number }>('/admin/info')).body.head).toBe(head);
  });

  it('refuses a transfer the sender cannot pay TRX fees for with BANDWITH_ERROR', async () => {
    const hot = await wallet({ usdt: 100, trx: 10 });
    const bob = await wallet({});
    const res = await broadcast(hot, await signedTransfer(hot, bob.address, 1_000_000));
    expect(res).toMatchObject({ result: false, code: 'BANDWITH_ERROR' });
    expect(hexToUtf8(res.message as string)).toBe('AccountResourceInsufficient error');
    const mined = await mine();
    expect(mined.blocks[0].txids).toHaveLength(0);
    expect(await hot.tw.trx.getUnconfirmedBalance(hot.address)).toBe(10_000_000);
  });

  it('counts pending transfers against the TRX balance', async () => {
    const hot = await wallet({ usdt: 100, trx: 20 });
    const bob = await wallet({});
    expect(await broadcast(hot, await signedTransfer(hot, bob.address, 1_000_000))).toMatchObject({
      result: true,
    });
    expect(await broadcast(hot, await signedTransfer(hot, bob.address, 2_000_000))).toMatchObject({
      code: 'BANDWITH_ERROR',
    });
  });

  it('moves TRX with trx.sendTrx (tronweb-built TransferContract)', async () => {
    const alice = await wallet();
    const carol = await wallet({});
    const res = await alice.tw.trx.sendTrx(carol.address, 7_000_000);
    expect(res.result).toBe(true);
    await mine();
    expect(await reader.trx.getUnconfirmedBalance(carol.address)).toBe(7_000_000);
    expect((await reader.trx.getUnconfirmedTransactionInfo(res.txid)).receipt.net_usage).toBeGreaterThan(0);
  });

  it('builds TRX transfers at /wallet/createtransaction that tronweb signs and broadcasts', async () => {
    const alice = await wallet();
    const carol = await wallet({});
    const tx = await post<Types.Transaction>('/wallet/createtransaction', {
      owner_address: alice.address,
      to_address: carol.address,
      amount: 1_000_000,
      visible: true,
    });
    expect(tx.raw_data.contract[0].type).toBe('TransferContract');
    const signed = await alice.tw.trx.sign(tx, alice.privateKey);
    expect(await broadcast(alice, signed)).toMatchObject({ result: true, txid: tx.txID });
    const broke = await wallet({});
    const refused = await post('/wallet/createtransaction', {
      owner_address: broke.hex,
      to_address: carol.hex,
      amount: 1,
    });
    expect(refused.Error).toMatch(/no OwnerAccount/);
  });

  it('accepts a signed protobuf at /wallet/broadcasthex', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const tx = await signedTransfer(alice, bob.address, 1_000_000);
    const pb = utils.transaction.txJsonToPb(tx);
    pb.addSignature(Buffer.from(tx.signature[0], 'hex'));
    const hex = Buffer.from(pb.serializeBinary()).toString('hex');
    const res = await alice.tw.trx.sendHexTransaction(hex);
    expect(res).toMatchObject({ result: true, txid: tx.txID });
  });

  it('serves blocks and per-block receipts the way a deposit watcher reads them', async () => {
    await mine(); // flush transactions other tests left pending
    const alice = await wallet();
    const bob = await wallet({});
    const { txid } = await broadcast(alice, await signedTransfer(alice, bob.address, 4_000_000));
    const { head } = await mine();

    const range = await reader.trx.getBlockRange(head - 1, head);
    expect(range.map((b) => b.block_header.raw_data.number)).toEqual([head - 1, head]);
    const block = range[1];
    expect(block.transactions?.map((t) => t.txID)).toEqual([txid]);
    expect(block.block_header.raw_data.parentHash).toBe(range[0].blockID);
    expect(block.blockID.slice(0, 16)).toBe(head.toString(16).padStart(16, '0'));

    const infos = await post<Array<{ id: string; log: Array<{ topics: string[] }> }>>(
      '/wallet/gettransactioninfobyblocknum',
      { num: head },
    );
    expect(infos.map((i) => i.id)).toEqual([txid]);
    expect(infos[0].log[0].topics[2]).toBe(bob.hex.slice(2).padStart(64, '0'));
    expect(await post('/walletsolidity/gettransactioninfobyblocknum', { num: head })).toEqual([]);
  });

  it('prints base58 addresses when asked with visible: true', async () => {
    const alice = await wallet();
    const account = await post<{ address: string; balance: number }>('/wallet/getaccount', {
      address: alice.address,
      visible: true,
    });
    expect(account).toMatchObject({ address: alice.address, balance: 100_000_000 });
    const block = await post<{ block_header: { raw_data: { witness_address: string } } }>(
      '/wallet/getnowblock',
      {
        visible: true,
      },
    );
    expect(block.block_header.raw_data.witness_address).toMatch(/^T/);
  });

  it('simulates calls with triggerconstantcontract and estimateenergy without changing state', async () => {
    const alice = await wallet();
    const bob = await wallet({});
    const params = [
      { type: 'address', value: bob.address },
      { type: 'uint256', value: 1_000_000 },
    ];
    const sim = await alice.tw.transactionBuilder.triggerConstantContract(
      chain.usdtContract,
      'transfer(address,uint256)',
      {},
      params,
      alice.address,
    );
    expect(sim.constant_result).toEqual(['0'.repeat(63) + '1']);
    const { energy_required } = await alice.tw.transactionBuilder.estimateEnergy(
      chain.usdtContract,
      'transfer(address,uint256)',
      {},
      params,
      alice.address,
    );
    expect(energy_required).toBe(65_000);
    expect(await usdtBalance(bob.address)).toBe(0n);
    await expect(
      alice.tw.transactionBuilder.triggerConstantContract(
        chain.usdtContract,
        'approve(address,uint256)',
        {},
        params,
      ),
    ).rejects.toThrow('REVERT opcode executed');
  });

  it('produces blocks on its own every blockIntervalMs', async () => {
    const auto = await startDevchain({ port: 0, blockIntervalMs: 20, seed: 'auto' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const tw = new TronWeb({ fullHost: auto.url });
      expect((await tw.trx.getCurrentBlock()).block_header.raw_data.number).toBeGreaterThanOrEqual(3);
      expect(auto.usdtContract).not.toBe(chain.usdtContract);
    } finally {
      await auto.stop();
    }
  });

  it('answers {} for unknown transactions, blocks, accounts and contracts', async () => {
    const unknown = 'ab'.repeat(32);
    const stranger = utils.accounts.generateAccount().address.base58;
    expect(await post('/wallet/gettransactionbyid', { value: unknown })).toEqual({});
    expect(await post('/wallet/gettransactioninfobyid', { value: unknown })).toEqual({});
    expect(await post('/wallet/getblockbynum', { num: 10_000_000 })).toEqual({});
    expect(await post('/wallet/getblockbyid', { value: unknown })).toEqual({});
    expect(await post('/wallet/getaccount', { address: stranger, visible: true })).toEqual({});
    expect(await post('/wallet/getcontract', { value: stranger, visible: true })).toEqual({});
  });
});
