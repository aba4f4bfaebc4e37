// Validates and executes one transaction against a world state: TRX transfers and calls of the USDT
// contract, with the devchain's fee model. Used both at broadcast (against the pending state) and when
// a block is produced (against the parent block's state).
import { MAX_FEE_LIMIT_SUN, type FeeSchedule } from './config';
import type { WorldState } from './state';
import { SELECTORS, callUsdt, type CallResult, type EventLog } from './trc20';
import { txBytes, type Tx } from './tx';

export type ContractRet = 'SUCCESS' | 'REVERT' | 'OUT_OF_ENERGY';

export interface ExecOutcome {
  contractRet: ContractRet;
  /** total sun burnt */
  fee: number;
  energyUsage: number;
  energyFee: number;
  netUsage: number;
  netFee: number;
  /** return data hex ("" when none) */
  contractResult: string;
  /** 41-hex, only for contract calls */
  contractAddress?: string;
  logs: EventLog[];
  /** human-readable failure reason; java-tron prints it hex-encoded as resMessage */
  resMessage?: string;
  /** true for a USDT transfer() call, whatever its outcome */
  isTokenTransfer: boolean;
}

/** A transaction that must not enter the pool / a block; `code` is java-tron's broadcast response code. */
export class TxRejection extends Error {
  constructor(
    readonly code: 'CONTRACT_VALIDATE_ERROR' | 'BANDWITH_ERROR',
    message: string,
  ) {
    super(message);
  }
}

export interface ExecEnv {
  usdtContract: string;
  fees: FeeSchedule;
  /** block (or head) time, used for account creation times */
  time: number;
  /** make a USDT transfer revert (POST /admin/fail-next) */
  forceRevert?: boolean;
}

const ADDRESS_RE = /^41[0-9a-f]{40}$/;
const validate = (cond: boolean, message: string): void => {
  if (!cond) throw new TxRejection('CONTRACT_VALIDATE_ERROR', message);
};

/** Throws TxRejection without touching `state`; otherwise applies the transaction to `state`. */
export function executeTx(state: WorldState, tx: Tx, env: ExecEnv): ExecOutcome {
  const c = tx.raw.contract;
  if (c.type === 'TransferContract') {
    validate(ADDRESS_RE.test(c.owner), 'Invalid ownerAddress!');
    validate(ADDRESS_RE.test(c.to), 'Invalid toAddress!');
    validate(c.owner !== c.to, 'Cannot transfer TRX to yourself.');
    validate(c.amount > 0, 'Amount must be greater than 0.');
    const owner = state.account(c.owner);
    validate(owner !== undefined, 'Validate TransferContract error, no OwnerAccount.');
    validate(!state.account(c.to)?.isContract, 'Cannot transfer TRX to a smartContract.');
    validate(
      (owner?.balance ?? 0n) >= BigInt(c.amount),
      'Validate TransferContract error, balance is not sufficient.',
    );
    state.addTrx(c.owner, -BigInt(c.amount), env.time);
    state.addTrx(c.to, BigInt(c.amount), env.time);
    // TRX transfers ride on free bandwidth: no fee, bandwidth reported as java-tron does.
    return {
      contractRet: 'SUCCESS',
      fee: 0,
      energyUsage: 0,
      energyFee: 0,
      netUsage: txBytes(tx).length + 64,
      netFee: 0,
      contractResult: '',
      logs: [],
      isTokenTransfer: false,
    };
  }

  validate(ADDRESS_RE.test(c.owner), 'Invalid ownerAddress');
  validate(c.contract === env.usdtContract, 'No contract or not a smart contract');
  validate(state.account(c.owner) !== undefined, `Validate TriggerSmartContract error, no OwnerAccount.`);
  validate(
    tx.raw.feeLimit >= 0 && tx.raw.feeLimit <= MAX_FEE_LIMIT_SUN,
    `feeLimit must be >= 0 and <= ${MAX_FEE_LIMIT_SUN}`,
  );
  validate(c.callTokenValue === 0 && c.tokenId === 0, 'TRC-10 call_token_value is not supported by devchain');

  const { fees } = env;
  const isTokenTransfer = c.data.toLowerCase().startsWith(SELECTORS.transfer);
  const energy = isTokenTransfer ? fees.trc20TransferEnergy : fees.trc20OtherEnergy;
  const netUsage = fees.contractCallBytes;
  const netFee = netUsage * fees.bandwidthPriceSun;
  const fullEnergyFee = energy * fees.energyPriceSun;
  const outOfEnergy = tx.raw.feeLimit < fullEnergyFee;
  const energyUsage = outOfEnergy ? Math.floor(tx.raw.feeLimit / fees.energyPriceSun) : energy;
  const energyFee = energyUsage * fees.energyPriceSun;
  const fee = netFee + energyFee;
  // Deviation from java-tron (documented): any TRX shortfall is refused at broadcast instead of being
  // packed with OUT_OF_ENERGY, so "hot wallet out of TRX" surfaces as an explicit broadcast error.
  if (state.trxBalance(c.owner) < BigInt(fee)) {
    throw new TxRejection('BANDWITH_ERROR', 'AccountResourceInsufficient error');
  }

  const base = {
    fee,
    energyUsage,
    energyFee,
    netUsage,
    netFee,
    contractAddress: c.contract,
    isTokenTransfer,
  };
  state.addTrx(c.owner, -BigInt(fee), env.time);
  if (outOfEnergy) {
    return {
      ...base,
      contractRet: 'OUT_OF_ENERGY',
      contractResult: '',
      logs: [],
      resMessage: `Not enough energy: fee_limit ${tx.raw.feeLimit} sun < ${fullEnergyFee} sun needed`,
    };
  }
  // USDT has no payable functions: a call carrying TRX reverts and the value is not transferred.
  const result: CallResult =
    c.callValue > 0
      ? { status: 'REVERT', output: '', logs: [], isTransfer: isTokenTransfer }
      : callUsdt(state, {
          contract: c.contract,
          caller: c.owner,
          data: c.data,
          forceRevert: env.forceRevert === true && isTokenTransfer,
        });
  return {
    ...base,
    contractRet: result.status,
    contractResult: result.output,
    logs: result.logs,
    resMessage: result.status === 'REVERT' ? 'REVERT opcode executed' : undefined,
  };
}
