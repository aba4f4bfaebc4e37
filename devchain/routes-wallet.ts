// java-tron HTTP API subset: /wallet/* answers from the head (plus pending pool for state reads),
// /walletsolidity/* from the solidified block only. Like java-tron, every answer is HTTP 200; bad input
// gives {"Error": "..."} and unknown ids give {}.
import { Router, type Request, type Response } from 'express';
import { blockJson, txInfoJson, type Block } from './block';
import type { Chain, View } from './chain';
import { TxRejection, executeTx } from './executor';
import {
  AddressError,
  ZERO_ADDRESS_HEX,
  isHexString,
  selectorOf,
  strip0x,
  toHexAddress,
  utf8ToHex,
} from './encoding';
import { ParamError, intParam, isTrue, isVisible, readParams, stringParam, type Params } from './http';
import {
  TxFormatError,
  buildTx,
  chainTxJson,
  parseTxHex,
  parseTxJson,
  unsignedTxJson,
  type ParsedBroadcast,
  type TriggerContractValue,
} from './tx';
import { accountJson, chainParametersJson, contractInfoJson, contractJson, nodeInfoJson } from './views';

type Handler = (p: Params, view: View) => unknown;

/** Blocks per getblockbylimitnext / getblockbylatestnum request, as java-tron limits them. */
const BLOCK_LIMIT = 100;

const NO_CONTRACT = {
  result: { code: 'CONTRACT_VALIDATE_ERROR', message: utf8ToHex('No contract or not a smart contract') },
};

function errorText(e: unknown): string {
  if (e instanceof ParamError || e instanceof AddressError || e instanceof TxFormatError) return e.message;
  return `devchain internal error: ${(e as Error).message}`;
}

function addressParam(p: Params, name: string): string {
  try {
    return toHexAddress(p[name]);
  } catch {
    throw new ParamError(`invalid ${name}`);
  }
}

/** calldata from `data`, or from `function_selector` + `parameter` as java-tron composes it. */
function callData(p: Params): string {
  const data = stringParam(p, 'data');
  if (data !== undefined && data !== '') {
    if (!isHexString(data)) throw new ParamError('invalid data');
    return strip0x(data).toLowerCase();
  }
  const selector = stringParam(p, 'function_selector');
  if (!selector) throw new ParamError('function_selector or data is required');
  const parameter = stringParam(p, 'parameter') ?? '';
  if (!isHexString(parameter)) throw new ParamError('invalid parameter');
  return selectorOf(selector) + strip0x(parameter).toLowerCase();
}

function blocksJson(chain: Chain, blocks: Block[], visible: boolean): Record<string, unknown> {
  // An empty BlockList prints as {} in java-tron. A block spoiled by /admin/fault comes without
  // its transactions, as from a node that has its header but not (yet) its body.
  return blocks.length
    ? { block: blocks.map((b) => blockJson(b, visible, !chain.faults.spoilsBlock(b.number))) }
    : {};
}

/** A block read answers `{}` while /admin/fault spoils that block. */
const unlessSpoiled = (chain: Chain, block: Block | undefined) =>
  block && !chain.faults.spoilsBlock(block.number) ? block : undefined;

export function walletRouter(chain: Chain, port: () => number): Router {
  const router = Router();

  const route = (
    name: string,
    views: View[],
    handler: Handler,
    methods: Array<'get' | 'post'> = ['get', 'post'],
  ) => {
    for (const view of views) {
      const path = `/${view === 'head' ? 'wallet' : 'walletsolidity'}/${name}`;
      const fn = (req: Request, res: Response) => {
        try {
          res.json(handler(readParams(req), view));
        } catch (e) {
          res.json({ Error: errorText(e) });
        }
      };
      for (const m of methods) router[m](path, fn);
    }
  };
  const both: View[] = ['head', 'solid'];
  const full: View[] = ['head'];

  // ─── Blocks ──────────────────────────────────────────────────────────────
  route('getnowblock', both, (p, view) =>
    blockJson(chain.blockByNum(chain.topOf(view), view) as Block, isVisible(p)),
  );

  route('getblockbynum', both, (p, view) => {
    const block = unlessSpoiled(chain, chain.blockByNum(intParam(p, 'num'), view));
    return block ? blockJson(block, isVisible(p)) : {};
  });

  route('getblockbyid', both, (p, view) => {
    const block = unlessSpoiled(chain, chain.blockById(stringParam(p, 'value') ?? '', view));
    return block ? blockJson(block, isVisible(p)) : {};
  });

  route('getblockbylimitnext', both, (p, view) => {
    const start = intParam(p, 'startNum');
    const end = intParam(p, 'endNum');
    if (start < 0 || end <= start || end - start > BLOCK_LIMIT) return {};
    const blocks: Block[] = [];
    for (let n = start; n < end; n++) {
      const b = chain.blockByNum(n, view);
      if (b) blocks.push(b);
    }
    return blocksJson(chain, blocks, isVisible(p));
  });

  route('getblockbylatestnum', both, (p, view) => {
    const count = intParam(p, 'num');
    if (count <= 0 || count > BLOCK_LIMIT) return {};
    const top = chain.topOf(view);
    const blocks: Block[] = [];
    for (let n = Math.max(0, top - count + 1); n <= top; n++) blocks.push(chain.blockByNum(n, view) as Block);
    return blocksJson(chain, blocks, isVisible(p));
  });

  // wallet/getblock {id_or_num?, detail?}: no id = latest block; detail=false leaves out transactions.
  route('getblock', both, (p, view) => {
    const id = stringParam(p, 'id_or_num');
    let block: Block | undefined;
    if (id === undefined || id === '') block = chain.blockByNum(chain.topOf(view), view);
    else if (/^\d+$/.test(id)) block = chain.blockByNum(Number(id), view);
    else block = chain.blockById(id, view);
    return block ? blockJson(block, isVisible(p), isTrue(p.detail)) : {};
  });

  // ─── Transactions ────────────────────────────────────────────────────────
  route('gettransactionbyid', both, (p, view) => {
    const txid = stringParam(p, 'value') ?? '';
    if (chain.faults.failsLookup(txid, view, 'gettransactionbyid')) return {};
    const found = chain.findTx(txid, view);
    if (!found) return {};
    const { tx, outcome } = found.block.txs[found.index];
    return chainTxJson(tx, outcome.contractRet, isVisible(p));
  });

  route('gettransactioninfobyid', both, (p, view) => {
    const txid = stringParam(p, 'value') ?? '';
    if (chain.faults.failsLookup(txid, view, 'gettransactioninfobyid')) return {};
    const found = chain.findTx(txid, view);
    return found ? txInfoJson(found.block, found.index, isVisible(p)) : {};
  });

  route('gettransactioninfobyblocknum', both, (p, view) => {
    const num = intParam(p, 'num');
    if (num <= 0) return {};
    const block = chain.blockByNum(num, view);
    if (block && chain.faults.spoilsBlock(num)) return {};
    return block ? block.txs.map((_, i) => txInfoJson(block, i, isVisible(p))) : [];
  });

  route('gettransactioncountbyblocknum', both, (p, view) => {
    const block = unlessSpoiled(chain, chain.blockByNum(intParam(p, 'num'), view));
    return block && block.txs.length ? { count: block.txs.length } : {};
  });

  // ─── Accounts and contracts ──────────────────────────────────────────────
  route('getaccount', both, (p, view) => {
    const address = addressParam(p, 'address');
    const acc = chain.stateOf(view).account(address);
    return acc ? accountJson(address, acc, isVisible(p)) : {};
  });

  route('getaccountresource', full, () => ({
    freeNetLimit: 600,
    TotalNetLimit: 43_200_000_000,
    TotalNetWeight: 1,
    TotalEnergyLimit: 180_000_000_000,
    TotalEnergyWeight: 1,
  }));

  route('getaccountnet', full, () => ({
    freeNetLimit: 600,
    TotalNetLimit: 43_200_000_000,
    TotalNetWeight: 1,
  }));

  route('getcontract', full, (p) =>
    addressParam(p, 'value') === chain.usdtContract ? contractJson(chain, isVisible(p)) : {},
  );

  route('getcontractinfo', full, (p) =>
    addressParam(p, 'value') === chain.usdtContract ? contractInfoJson(chain, isVisible(p)) : {},
  );

  // ─── Contract calls ──────────────────────────────────────────────────────
  const triggerValue = (p: Params, ownerOptional: boolean): TriggerContractValue => ({
    type: 'TriggerSmartContract',
    owner: ownerOptional && !p.owner_address ? ZERO_ADDRESS_HEX : addressParam(p, 'owner_address'),
    contract: addressParam(p, 'contract_address'),
    data: callData(p),
    callValue: intParam(p, 'call_value'),
    callTokenValue: intParam(p, 'call_token_value'),
    tokenId: intParam(p, 'token_id'),
  });

  route('triggersmartcontract', full, (p) => {
    const contract = triggerValue(p, false);
    if (contract.contract !== chain.usdtContract) return NO_CONTRACT;
    const tx = buildTx({
      contract,
      permissionId: intParam(p, 'Permission_id'),
      feeLimit: intParam(p, 'fee_limit'),
      data: '',
      ...chain.newTxHeader(),
    });
    return { result: { result: true }, txid: tx.txid, transaction: unsignedTxJson(tx, isVisible(p)) };
  });

  route('triggerconstantcontract', both, (p, view) => {
    const contract = triggerValue(p, true);
    const call = chain.constantCall(view, contract.owner, contract.contract, contract.data);
    if (!call) return NO_CONTRACT;
    const tx = buildTx({ contract, permissionId: 0, feeLimit: 0, data: '', ...chain.newTxHeader() });
    const ok = call.status === 'SUCCESS';
    const json: Record<string, unknown> = {
      result: ok
        ? { result: true }
        : { code: 'CONTRACT_EXE_ERROR', message: utf8ToHex('REVERT opcode executed') },
      energy_used: call.energyUsed,
      constant_result: [call.output],
    };
    if (call.logs.length) {
      json.logs = call.logs.map((l) => ({ address: l.address.slice(2), topics: l.topics, data: l.data }));
    }
    json.transaction = { ret: [ok ? {} : { ret: 'FAILED' }], ...unsignedTxJson(tx, isVisible(p)) };
    return json;
  });

  route('estimateenergy', both, (p, view) => {
    const contract = triggerValue(p, true);
    const call = chain.constantCall(view, contract.owner, contract.contract, contract.data);
    if (!call) return NO_CONTRACT;
    if (call.status !== 'SUCCESS') {
      return { result: { code: 'CONTRACT_EXE_ERROR', message: utf8ToHex('REVERT opcode executed') } };
    }
    return { result: { result: true }, energy_required: call.energyUsed };
  });

  // ─── Building and broadcasting ───────────────────────────────────────────
  route('createtransaction', full, (p) => {
    const memo = stringParam(p, 'extra_data') ?? '';
    if (!isHexString(memo)) throw new ParamError('invalid extra_data');
    const tx = buildTx({
      contract: {
        type: 'TransferContract',
        owner: addressParam(p, 'owner_address'),
        to: addressParam(p, 'to_address'),
        amount: intParam(p, 'amount'),
      },
      permissionId: intParam(p, 'Permission_id'),
      feeLimit: 0,
      data: strip0x(memo).toLowerCase(),
      ...chain.newTxHeader(),
    });
    try {
      executeTx(chain.stateOf('head').clone(), tx, {
        usdtContract: chain.usdtContract,
        fees: chain.fees,
        time: chain.head().timestamp,
      });
    } catch (e) {
      if (e instanceof TxRejection) {
        return { Error: `class org.tron.core.exception.ContractValidateException : ${e.message}` };
      }
      throw e;
    }
    return unsignedTxJson(tx, isVisible(p));
  });

  route(
    'broadcasttransaction',
    full,
    (p) => {
      const parsed = parseTxJson(p);
      return chain.broadcast(parsed, typeof p.txID === 'string' ? p.txID : undefined);
    },
    ['post'],
  );

  route(
    'broadcasthex',
    full,
    (p) => {
      const hex = stringParam(p, 'transaction');
      if (!hex) throw new ParamError('transaction is required');
      const parsed: ParsedBroadcast = parseTxHex(hex);
      const res = chain.broadcast(parsed);
      if (!res.result || !parsed.tx) return res;
      const tx = parsed.tx;
      const json = { visible: false, ...chainTxJson(tx, 'SUCCESS', false) };
      delete (json as Record<string, unknown>).ret;
      return { ...res, transaction: JSON.stringify(json) };
    },
    ['post'],
  );

  // ─── Node ────────────────────────────────────────────────────────────────
  route('getchainparameters', full, () => chainParametersJson(chain));
  route('getnodeinfo', both, () => nodeInfoJson(chain, port()));
  route('getenergyprices', full, () => ({ prices: `0:${chain.fees.energyPriceSun}` }));
  route('getbandwidthprices', full, () => ({ prices: `0:${chain.fees.bandwidthPriceSun}` }));

  return router;
}
