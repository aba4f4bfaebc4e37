// Blocks: header encoding, blockID, witness signature, and the java-tron JSON shapes of blocks and
// transaction infos (receipts).
import { utils } from 'tronweb';
import { BLOCK_VERSION } from './config';
import { ProtoWriter, formatAddress, hexToBytes, merkleRoot, sha256, sha256Hex, utf8ToHex } from './encoding';
import type { ExecOutcome } from './executor';
import { chainTxJson, txBytes, type Tx } from './tx';

export interface IncludedTx {
  tx: Tx;
  outcome: ExecOutcome;
}

export interface Block {
  number: number;
  blockID: string;
  timestamp: number;
  parentHash: string;
  txTrieRoot: string;
  witnessAddress: string;
  witnessSignature: string;
  txs: IncludedTx[];
}

export interface Witness {
  privateKey: string;
  /** 41-hex */
  address: string;
}

/** java-tron BlockHeader.raw field numbers: timestamp 1, txTrieRoot 2, parentHash 3, number 7, witness_address 9, version 10. */
function headerRawBytes(b: Omit<Block, 'blockID' | 'witnessSignature' | 'txs'>): Uint8Array {
  return new ProtoWriter()
    .varint(1, b.timestamp)
    .bytes(2, hexToBytes(b.txTrieRoot))
    .bytes(3, hexToBytes(b.parentHash))
    .varint(7, b.number)
    .bytes(9, hexToBytes(b.witnessAddress))
    .varint(10, BLOCK_VERSION)
    .finish();
}

export function makeBlock(args: {
  number: number;
  timestamp: number;
  parentHash: string;
  txs: IncludedTx[];
  witness: Witness;
}): Block {
  const txTrieRoot = Buffer.from(merkleRoot(args.txs.map(({ tx }) => sha256(txBytes(tx))))).toString('hex');
  const header = {
    number: args.number,
    timestamp: args.timestamp,
    parentHash: args.parentHash,
    txTrieRoot,
    witnessAddress: args.witness.address,
  };
  const hash = sha256Hex(headerRawBytes(header));
  // blockID = 8-byte big-endian block number followed by the last 24 bytes of sha256(header raw).
  const blockID = args.number.toString(16).padStart(16, '0') + hash.slice(16);
  const witnessSignature = utils.crypto.ECKeySign(hexToBytes(hash), hexToBytes(args.witness.privateKey));
  return { ...header, blockID, witnessSignature, txs: args.txs };
}

/** sha256 of the header raw bytes: what the witness signs; blockID keeps its last 24 bytes. */
export function blockHeaderHash(b: Block): string {
  return sha256Hex(headerRawBytes(b));
}

/** ref_block_bytes / ref_block_hash a transaction built on `block` carries (TAPOS). */
export function refBlockOf(block: Block): { refBlockBytes: string; refBlockHash: string } {
  return {
    refBlockBytes: (block.number & 0xffff).toString(16).padStart(4, '0'),
    refBlockHash: block.blockID.slice(16, 32),
  };
}

export function blockHeaderJson(b: Block, visible: boolean): Record<string, unknown> {
  return {
    raw_data: {
      // java-tron omits number 0 (proto3 default) in genesis; printed anyway so clients can build on it.
      number: b.number,
      txTrieRoot: b.txTrieRoot,
      witness_address: formatAddress(b.witnessAddress, visible),
      parentHash: b.parentHash,
      version: BLOCK_VERSION,
      timestamp: b.timestamp,
    },
    witness_signature: b.witnessSignature,
  };
}

export function blockJson(b: Block, visible: boolean, detail = true): Record<string, unknown> {
  const json: Record<string, unknown> = { blockID: b.blockID, block_header: blockHeaderJson(b, visible) };
  // An empty block has no "transactions" key, as in java-tron.
  if (detail && b.txs.length > 0) {
    json.transactions = b.txs.map(({ tx, outcome }) => chainTxJson(tx, outcome.contractRet, visible));
  }
  return json;
}

/** java-tron prints log addresses as 20-byte hex (no 41 prefix), or base58 when visible. */
function logAddress(hex41: string, visible: boolean): string {
  return visible ? formatAddress(hex41, true) : hex41.slice(2);
}

export function txInfoJson(b: Block, index: number, visible: boolean): Record<string, unknown> {
  const { tx, outcome: o } = b.txs[index];
  const isCall = o.contractAddress !== undefined;
  const receipt: Record<string, unknown> = {};
  // proto3 JSON omits zero fields; contract calls always carry receipt.result.
  if (o.energyFee) receipt.energy_fee = o.energyFee;
  if (o.energyUsage) receipt.energy_usage_total = o.energyUsage;
  if (o.netFee) receipt.net_fee = o.netFee;
  else if (o.netUsage) receipt.net_usage = o.netUsage;
  if (isCall) receipt.result = o.contractRet;
  const info: Record<string, unknown> = { id: tx.txid };
  if (o.fee) info.fee = o.fee;
  info.blockNumber = b.number;
  info.blockTimeStamp = b.timestamp;
  info.contractResult = [o.contractResult];
  if (isCall) info.contract_address = formatAddress(o.contractAddress as string, visible);
  info.receipt = receipt;
  if (o.logs.length > 0) {
    info.log = o.logs.map((l) => ({
      address: logAddress(l.address, visible),
      topics: l.topics,
      data: l.data,
    }));
  }
  if (o.contractRet !== 'SUCCESS') {
    info.result = 'FAILED';
    if (o.resMessage) info.resMessage = utf8ToHex(o.resMessage);
  }
  return info;
}
