// java-tron JSON shapes of accounts, contracts, chain parameters and node info.
import type { Chain } from './chain';
import { BLOCK_VERSION, MAX_FEE_LIMIT_SUN, NODE_CODE_VERSION } from './config';
import { formatAddress, sha256Hex, utf8ToHex } from './encoding';
import type { AccountState } from './state';
import { USDT_ABI } from './trc20';

const WINDOW = 28_800_000;
/** java-tron's default active-permission operations bitmap (all contract types but a few). */
const ACTIVE_OPERATIONS = '7fff1fc0033efb07000000000000000000000000000000000000000000000000';

export function accountJson(address: string, acc: AccountState, visible: boolean): Record<string, unknown> {
  const key = { address: formatAddress(address, visible), weight: 1 };
  const json: Record<string, unknown> = {};
  if (acc.accountName) json.account_name = utf8ToHex(acc.accountName);
  if (acc.isContract) json.type = 'Contract';
  json.address = formatAddress(address, visible);
  if (acc.balance > 0n) json.balance = Number(acc.balance);
  json.create_time = acc.createTime;
  if (acc.latestOperationTime) json.latest_opration_time = acc.latestOperationTime;
  json.net_window_size = WINDOW;
  json.net_window_optimized = true;
  json.account_resource = { energy_window_size: WINDOW, energy_window_optimized: true };
  json.owner_permission = { permission_name: 'owner', threshold: 1, keys: [key] };
  json.active_permission = [
    {
      type: 'Active',
      id: 2,
      permission_name: 'active',
      threshold: 1,
      operations: ACTIVE_OPERATIONS,
      keys: [key],
    },
  ];
  json.frozenV2 = [{}, { type: 'ENERGY' }, { type: 'TRON_POWER' }];
  json.asset_optimized = true;
  return json;
}

/** Not TVM code: the USDT contract runs natively; this marker only fills the bytecode fields. */
const PSEUDO_BYTECODE = utf8ToHex('devchain native TRC-20: Tether USD');

export function contractJson(chain: Chain, visible: boolean): Record<string, unknown> {
  const created = chain.stateOf('head').account(chain.usdtContract);
  return {
    bytecode: PSEUDO_BYTECODE,
    consume_user_resource_percent: 100,
    name: 'TetherToken',
    origin_address: formatAddress(chain.witness.address, visible),
    abi: USDT_ABI,
    origin_energy_limit: 10_000_000,
    contract_address: formatAddress(chain.usdtContract, visible),
    code_hash: sha256Hex(new TextEncoder().encode(`${PSEUDO_BYTECODE}:${created?.createTime ?? 0}`)),
  };
}

export function contractInfoJson(chain: Chain, visible: boolean): Record<string, unknown> {
  return {
    runtimecode: PSEUDO_BYTECODE,
    smart_contract: contractJson(chain, visible),
    contract_state: { energy_factor: 0, update_cycle: 1 },
  };
}

export function chainParametersJson(chain: Chain): Record<string, unknown> {
  const { energyPriceSun, bandwidthPriceSun } = chain.fees;
  const params: Array<[string, number]> = [
    ['getMaintenanceTimeInterval', 21_600_000],
    ['getAccountUpgradeCost', 9_999_000_000],
    ['getCreateAccountFee', 100_000],
    ['getTransactionFee', bandwidthPriceSun],
    ['getAssetIssueFee', 1_024_000_000],
    ['getWitnessPayPerBlock', 8_000_000],
    ['getWitnessStandbyAllowance', 115_200_000_000],
    ['getCreateNewAccountFeeInSystemContract', 1_000_000],
    ['getCreateNewAccountBandwidthRate', 1],
    ['getAllowCreationOfContracts', 1],
    ['getRemoveThePowerOfTheGr', -1],
    ['getEnergyFee', energyPriceSun],
    ['getExchangeCreateFee', 1_024_000_000],
    ['getMaxCpuTimeOfOneTx', 80],
    ['getAllowTvmTransferTrc10', 1],
    ['getAllowTvmConstantinople', 1],
    ['getAllowTvmSolidity059', 1],
    ['getAllowTvmIstanbul', 1],
    ['getAllowTvmLondon', 1],
    ['getTotalEnergyLimit', 180_000_000_000],
    ['getFreeNetLimit', 600],
    ['getTotalNetLimit', 43_200_000_000],
    ['getMaxFeeLimit', MAX_FEE_LIMIT_SUN],
    ['getAllowDynamicEnergy', 0],
  ];
  return { chainParameter: params.map(([key, value]) => ({ key, value })) };
}

export function nodeInfoJson(chain: Chain, port: number): Record<string, unknown> {
  const head = chain.head();
  const solid = chain.blockByNum(chain.solidified, 'solid') ?? head;
  return {
    beginSyncNum: 0,
    block: `Num:${head.number},ID:${head.blockID}`,
    solidityBlock: `Num:${solid.number},ID:${solid.blockID}`,
    currentConnectCount: 0,
    activeConnectCount: 0,
    passiveConnectCount: 0,
    totalFlow: 0,
    peerInfoList: [],
    configNodeInfo: {
      codeVersion: NODE_CODE_VERSION,
      p2pVersion: 'devchain',
      listenPort: port,
      discoverEnable: false,
      activeNodeSize: 0,
      passiveNodeSize: 0,
      sendNodeSize: 0,
      maxConnectCount: 0,
      sameIpMaxConnectCount: 0,
      backupListenPort: 0,
      backupMemberSize: 0,
      backupPriority: 0,
      dbVersion: 2,
      minParticipationRate: 0,
      supportConstant: true,
      minTimeRatio: 0,
      maxTimeRatio: 0,
      allowCreationOfContracts: 1,
      allowAdaptiveEnergy: 0,
      versionNum: String(BLOCK_VERSION),
    },
    machineInfo: {
      threadCount: 1,
      deadLockThreadCount: 0,
      cpuCount: 1,
      totalMemory: 0,
      freeMemory: 0,
      cpuRate: 0,
      javaVersion: 'node',
      osName: process.platform,
      jvmTotalMemory: 0,
      jvmFreeMemory: 0,
      processCpuRate: 0,
      memoryDescInfoList: [],
      deadLockThreadInfoList: [],
    },
    cheatWitnessInfoMap: {},
  };
}
