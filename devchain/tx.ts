// Transaction model and its two encodings: java-tron's JSON (raw_data …) and protobuf bytes.
// raw_data bytes are produced by tronweb's own txJsonToPb so txID / raw_data_hex are byte-exact with
// what tronweb computes when it checks a transaction we built or signs one.
import { utils } from 'tronweb';
import {
  ProtoWriter,
  bytesToHex,
  formatAddress,
  hexToBytes,
  isHexString,
  readProto,
  selectorOf,
  sha256Hex,
  strip0x,
  toHexAddress,
  type ProtoField,
} from './encoding';

export interface TransferContractValue {
  type: 'TransferContract';
  owner: string;
  to: string;
  amount: number;
}

export interface TriggerContractValue {
  type: 'TriggerSmartContract';
  owner: string;
  contract: string;
  /** calldata hex without 0x */
  data: string;
  callValue: number;
  callTokenValue: number;
  tokenId: number;
}

export type ContractValue = TransferContractValue | TriggerContractValue;

export interface RawData {
  contract: ContractValue;
  permissionId: number;
  refBlockBytes: string;
  refBlockHash: string;
  expiration: number;
  timestamp: number;
  feeLimit: number;
  /** memo hex */
  data: string;
}

export interface Tx {
  txid: string;
  rawDataHex: string;
  raw: RawData;
  /** hex signatures (65 bytes each), empty for unsigned transactions */
  signatures: string[];
}

export class TxFormatError extends Error {}

const TYPE_URL = 'type.googleapis.com/protocol.';
const CONTRACT_TYPE_IDS: Record<ContractValue['type'], number> = {
  TransferContract: 1,
  TriggerSmartContract: 31,
};

// ─── JSON rendering ──────────────────────────────────────────────────────────

export function contractValueJson(c: ContractValue, visible: boolean): Record<string, unknown> {
  if (c.type === 'TransferContract') {
    return {
      amount: c.amount,
      owner_address: formatAddress(c.owner, visible),
      to_address: formatAddress(c.to, visible),
    };
  }
  const value: Record<string, unknown> = {
    data: c.data,
    owner_address: formatAddress(c.owner, visible),
    contract_address: formatAddress(c.contract, visible),
  };
  // proto3 JSON omits zero scalars, as java-tron does.
  if (c.callValue) value.call_value = c.callValue;
  if (c.callTokenValue) value.call_token_value = c.callTokenValue;
  if (c.tokenId) value.token_id = c.tokenId;
  return value;
}

export function rawDataJson(raw: RawData, visible: boolean): Record<string, unknown> {
  const contract: Record<string, unknown> = {
    parameter: { value: contractValueJson(raw.contract, visible), type_url: TYPE_URL + raw.contract.type },
    type: raw.contract.type,
  };
  if (raw.permissionId) contract.Permission_id = raw.permissionId;
  const json: Record<string, unknown> = {
    contract: [contract],
    ref_block_bytes: raw.refBlockBytes,
    ref_block_hash: raw.refBlockHash,
    expiration: raw.expiration,
  };
  if (raw.data) json.data = raw.data;
  if (raw.feeLimit) json.fee_limit = raw.feeLimit;
  if (raw.timestamp) json.timestamp = raw.timestamp;
  return json;
}

/** Encodes raw_data with tronweb's protobuf builder; returns [raw_data_hex, txID]. */
export function encodeRawData(raw: RawData): { rawDataHex: string; txid: string } {
  return encodeRawDataJson({ visible: false, raw_data: rawDataJson(raw, false) });
}

function encodeRawDataJson(txJson: Record<string, unknown>): { rawDataHex: string; txid: string } {
  const pb = utils.transaction.txJsonToPb(txJson);
  return {
    rawDataHex: utils.transaction.txPbToRawDataHex(pb).toLowerCase(),
    txid: strip0x(utils.transaction.txPbToTxID(pb)).toLowerCase(),
  };
}

export function buildTx(raw: RawData): Tx {
  const { rawDataHex, txid } = encodeRawData(raw);
  return { txid, rawDataHex, raw, signatures: [] };
}

/** `{visible, txID, raw_data, raw_data_hex}` as java-tron's createtransaction / TransactionExtention print it. */
export function unsignedTxJson(tx: Tx, visible: boolean): Record<string, unknown> {
  return { visible, txID: tx.txid, raw_data: rawDataJson(tx.raw, visible), raw_data_hex: tx.rawDataHex };
}

/** A transaction as stored on chain (gettransactionbyid, blocks): with `ret` and `signature`. */
export function chainTxJson(tx: Tx, contractRet: string, visible: boolean): Record<string, unknown> {
  return {
    ret: [{ contractRet }],
    signature: tx.signatures,
    txID: tx.txid,
    raw_data: rawDataJson(tx.raw, visible),
    raw_data_hex: tx.rawDataHex,
  };
}

// ─── JSON parsing (broadcasttransaction) ───────────────────────────────────────

const num = (v: unknown, field: string): number => {
  if (v === undefined || v === null || v === '') return 0;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TxFormatError(`invalid ${field}`);
  return n;
};

const hexField = (v: unknown, field: string): string => {
  if (v === undefined || v === null) return '';
  if (!isHexString(v)) throw new TxFormatError(`invalid ${field}`);
  return strip0x(v).toLowerCase();
};

const addr = (v: unknown, field: string): string => {
  try {
    return toHexAddress(v);
  } catch {
    throw new TxFormatError(`invalid ${field}`);
  }
};

function parseContractValue(type: unknown, value: Record<string, unknown>): ContractValue {
  if (type === 'TransferContract') {
    return {
      type,
      owner: addr(value.owner_address, 'owner_address'),
      to: addr(value.to_address, 'to_address'),
      amount: num(value.amount, 'amount'),
    };
  }
  if (type === 'TriggerSmartContract') {
    return {
      type,
      owner: addr(value.owner_address, 'owner_address'),
      contract: addr(value.contract_address, 'contract_address'),
      data:
        value.data !== undefined
          ? hexField(value.data, 'data')
          : typeof value.function_selector === 'string'
            ? selectorOf(value.function_selector) + hexField(value.parameter, 'parameter')
            : '',
      callValue: num(value.call_value, 'call_value'),
      callTokenValue: num(value.call_token_value, 'call_token_value'),
      tokenId: num(value.token_id, 'token_id'),
    };
  }
  throw new UnsupportedContractError(`contract type ${String(type)} is not supported by devchain`);
}

export class UnsupportedContractError extends Error {}

export interface ParsedBroadcast {
  txid: string;
  rawDataHex: string;
  /** undefined when the contract type is not one the devchain executes */
  tx?: Tx;
  unsupported?: string;
}

/**
 * Parses a signed transaction as tronweb posts it. The txID is always sha256 of the raw_data bytes
 * (as java-tron computes it); a txID / raw_data_hex field that disagrees is reported by the caller.
 */
export function parseTxJson(body: Record<string, unknown>): ParsedBroadcast {
  const rawJson = body.raw_data;
  if (!rawJson || typeof rawJson !== 'object') throw new TxFormatError('raw_data is required');
  const raw = rawJson as Record<string, unknown>;
  const contracts = raw.contract;
  if (!Array.isArray(contracts) || contracts.length !== 1)
    throw new TxFormatError('exactly one contract is required');
  const contract = contracts[0] as Record<string, unknown>;
  const parameter = (contract?.parameter ?? {}) as Record<string, unknown>;
  const value = (parameter.value ?? {}) as Record<string, unknown>;

  let encoded: { rawDataHex: string; txid: string };
  try {
    encoded = encodeRawDataJson({ visible: body.visible === true || body.visible === 'true', raw_data: raw });
  } catch (e) {
    throw new TxFormatError(`cannot encode raw_data: ${(e as Error).message}`);
  }
  const signatures = Array.isArray(body.signature) ? body.signature : [];
  const sigs = signatures.map((s) => hexField(s, 'signature'));

  let cv: ContractValue;
  try {
    cv = parseContractValue(contract?.type, value);
  } catch (e) {
    if (e instanceof UnsupportedContractError) return { ...encoded, unsupported: e.message };
    throw e;
  }
  const tx: Tx = {
    ...encoded,
    signatures: sigs,
    raw: {
      contract: cv,
      permissionId: num(contract.Permission_id, 'Permission_id'),
      refBlockBytes: hexField(raw.ref_block_bytes, 'ref_block_bytes'),
      refBlockHash: hexField(raw.ref_block_hash, 'ref_block_hash'),
      expiration: num(raw.expiration, 'expiration'),
      timestamp: num(raw.timestamp, 'timestamp'),
      feeLimit: num(raw.fee_limit, 'fee_limit'),
      data: hexField(raw.data, 'data'),
    },
  };
  return { txid: tx.txid, rawDataHex: tx.rawDataHex, tx };
}

// ─── Protobuf parsing (broadcasthex) and full-transaction bytes ────────────────

const bytesOf = (f: ProtoField | undefined): Uint8Array => f?.bytes ?? new Uint8Array();
const intOf = (f: ProtoField | undefined): number => Number(f?.int ?? 0n);
const first = (fields: ProtoField[], n: number) => fields.find((f) => f.field === n);

/** Parses a signed Transaction protobuf (hex). txID = sha256 of the raw_data bytes as received. */
export function parseTxHex(hex: string): ParsedBroadcast {
  let top: ProtoField[];
  try {
    top = readProto(hexToBytes(hex));
  } catch (e) {
    throw new TxFormatError(`invalid transaction bytes: ${(e as Error).message}`);
  }
  const rawBytes = bytesOf(first(top, 1));
  const rawDataHex = bytesToHex(rawBytes);
  const txid = sha256Hex(rawBytes);
  const signatures = top.filter((f) => f.field === 2).map((f) => bytesToHex(bytesOf(f)));
  const rawFields = readProto(rawBytes);
  const contracts = rawFields.filter((f) => f.field === 11);
  if (contracts.length !== 1) throw new TxFormatError('exactly one contract is required');
  const contractFields = readProto(bytesOf(contracts[0]));
  const typeId = intOf(first(contractFields, 1));
  const any = readProto(bytesOf(first(contractFields, 2)));
  const valueFields = readProto(bytesOf(first(any, 2)));
  const a = (n: number) => bytesToHex(bytesOf(first(valueFields, n)));
  let cv: ContractValue;
  if (typeId === CONTRACT_TYPE_IDS.TransferContract) {
    cv = { type: 'TransferContract', owner: a(1), to: a(2), amount: intOf(first(valueFields, 3)) };
  } else if (typeId === CONTRACT_TYPE_IDS.TriggerSmartContract) {
    cv = {
      type: 'TriggerSmartContract',
      owner: a(1),
      contract: a(2),
      callValue: intOf(first(valueFields, 3)),
      data: a(4),
      callTokenValue: intOf(first(valueFields, 5)),
      tokenId: intOf(first(valueFields, 6)),
    };
  } else {
    return { txid, rawDataHex, unsupported: `contract type ${typeId} is not supported by devchain` };
  }
  const tx: Tx = {
    txid,
    rawDataHex,
    signatures,
    raw: {
      contract: cv,
      permissionId: intOf(first(contractFields, 5)),
      refBlockBytes: bytesToHex(bytesOf(first(rawFields, 1))),
      refBlockHash: bytesToHex(bytesOf(first(rawFields, 4))),
      expiration: intOf(first(rawFields, 8)),
      data: bytesToHex(bytesOf(first(rawFields, 10))),
      timestamp: intOf(first(rawFields, 14)),
      feeLimit: intOf(first(rawFields, 18)),
    },
  };
  return { txid, rawDataHex, tx };
}

/** Transaction protobuf bytes: raw_data (1) and signatures (2); results are not part of the hash. */
export function txBytes(tx: Tx): Uint8Array {
  const w = new ProtoWriter().bytes(1, hexToBytes(tx.rawDataHex));
  for (const sig of tx.signatures) w.bytes(2, hexToBytes(sig));
  return w.finish();
}

export function txBytesHex(tx: Tx): string {
  return bytesToHex(txBytes(tx));
}

export function ownerOf(tx: Tx): string {
  return tx.raw.contract.owner;
}
