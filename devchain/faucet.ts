// A real USDT transfer from a faucet account, for people without a wallet (the README quickstart
// funds a deposit address with one curl). Unlike /admin/mint it is a signed, broadcast transaction
// with a Transfer log once mined, so the deposit watcher sees it as a deposit.
import { utils } from 'tronweb';
import { AdminError, type Chain } from './chain';
import { addressToWord, hexToBytes, uintToWord } from './encoding';
import { buildTx } from './tx';
import { SELECTORS } from './trc20';

/** Fee limit of the faucet's transfers (100 TRX, as tronweb clients commonly set). */
const FAUCET_FEE_LIMIT_SUN = 100_000_000;

/**
 * Mints `usdtUnits` plus the fee limit in TRX to the faucet (the witness account, whose key the
 * devchain holds), then signs and broadcasts `transfer(to, usdtUnits)` into the pending pool.
 */
export function faucetTransfer(
  chain: Chain,
  toHex: string,
  usdtUnits: bigint,
): { txid: string; from: string } {
  if (usdtUnits <= 0n) throw new AdminError('usdt must be greater than 0');
  const faucet = chain.witness;
  if (toHex === faucet.address) throw new AdminError('cannot transfer to the faucet itself');
  chain.mint(faucet.address, usdtUnits, BigInt(FAUCET_FEE_LIMIT_SUN));
  const tx = buildTx({
    contract: {
      type: 'TriggerSmartContract',
      owner: faucet.address,
      contract: chain.usdtContract,
      data: SELECTORS.transfer + addressToWord(toHex) + uintToWord(usdtUnits),
      callValue: 0,
      callTokenValue: 0,
      tokenId: 0,
    },
    permissionId: 0,
    feeLimit: FAUCET_FEE_LIMIT_SUN,
    data: '',
    ...chain.newTxHeader(),
  });
  const signature = utils.crypto.ECKeySign(hexToBytes(tx.txid), hexToBytes(faucet.privateKey));
  const result = chain.broadcast({
    txid: tx.txid,
    rawDataHex: tx.rawDataHex,
    tx: { ...tx, signatures: [signature] },
  });
  if (!result.result) throw new AdminError(`faucet transfer refused: ${result.code}`);
  return { txid: result.txid, from: faucet.address };
}
