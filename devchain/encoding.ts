// Byte, hash, address and protobuf helpers shared by the devchain modules.
// Addresses are kept internally as lowercase 21-byte hex with the 0x41 prefix ("41…"), the form
// java-tron prints when `visible` is false.
import { createHash } from 'node:crypto';
import { TronWeb, utils } from 'tronweb';

export const ZERO_ADDRESS_HEX = '41' + '00'.repeat(20);

export function strip0x(hex: string): string {
  return hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
}

export function isHexString(value: unknown): value is string {
  return typeof value === 'string' && /^(0x)?([0-9a-fA-F]{2})*$/.test(value);
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = strip0x(hex);
  if (!isHexString(clean)) throw new Error(`invalid hex string: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** keccak256 of a UTF-8 string or raw bytes, hex without 0x. */
export function keccak256Hex(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  return strip0x(utils.ethersUtils.keccak256(bytes));
}

/** First 4 bytes of keccak256(signature), as java-tron and tronweb compute function selectors. */
export function selectorOf(signature: string): string {
  return keccak256Hex(signature.replace(/\s+/g, '')).slice(0, 8);
}

export function utf8ToHex(text: string): string {
  return Buffer.from(text, 'utf8').toString('hex');
}

// ─── Addresses ───────────────────────────────────────────────────────────────

export class AddressError extends Error {}

/**
 * Normalises any address form tronweb or curl users send (base58 "T…", "41…" hex, "0x…" 20-byte hex)
 * to "41…" hex. Throws AddressError when it is not a valid TRON address.
 */
export function toHexAddress(input: unknown): string {
  if (typeof input !== 'string' || input.length === 0) throw new AddressError('Invalid address provided');
  let hex: string;
  if (/^(0x)?[0-9a-fA-F]{40}$/.test(input)) hex = '41' + strip0x(input);
  else if (/^41[0-9a-fA-F]{40}$/.test(input)) hex = input;
  else if (TronWeb.isAddress(input)) hex = TronWeb.address.toHex(input);
  else throw new AddressError(`Invalid address provided: ${input.slice(0, 64)}`);
  hex = hex.toLowerCase();
  if (!/^41[0-9a-f]{40}$/.test(hex))
    throw new AddressError(`Invalid address provided: ${input.slice(0, 64)}`);
  return hex;
}

export function toBase58Address(hex: string): string {
  return TronWeb.address.fromHex(hex);
}

/** java-tron prints addresses as base58 when the request said `visible: true`, else as 41-hex. */
export function formatAddress(hex: string, visible: boolean): string {
  return visible ? toBase58Address(hex) : hex;
}

// ─── ABI words ───────────────────────────────────────────────────────────────

export function uintToWord(value: bigint): string {
  if (value < 0n) throw new Error('negative uint');
  return value.toString(16).padStart(64, '0');
}

/** A TRON address as a 32-byte ABI word: the 20 address bytes without the 0x41 prefix, left-padded. */
export function addressToWord(hex41: string): string {
  return hex41.slice(2).padStart(64, '0');
}

export function wordToAddress(word: string): string {
  return '41' + word.slice(24, 64).toLowerCase();
}

export function stringToAbi(text: string): string {
  const data = utf8ToHex(text);
  const padded = data.padEnd(Math.ceil(data.length / 64) * 64 || 64, '0');
  return uintToWord(32n) + uintToWord(BigInt(data.length / 2)) + padded;
}

// ─── Minimal protobuf (proto3 wire format) ─────────────────────────────────────

function varint(value: bigint): number[] {
  // int64 negatives are encoded as 10-byte two's complement, as protobuf does.
  let v = value < 0n ? (1n << 64n) + value : value;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

/** Writes fields in the order they are added; callers add them in field-number order like protoc does. */
export class ProtoWriter {
  private readonly parts: number[] = [];

  /** Scalar varint field; zero values are skipped like proto3 does. */
  varint(field: number, value: bigint | number): this {
    const v = BigInt(value);
    if (v === 0n) return this;
    this.parts.push(...varint(BigInt(field << 3)), ...varint(v));
    return this;
  }

  /** Length-delimited field; empty values are skipped like proto3 does. */
  bytes(field: number, value: Uint8Array): this {
    if (value.length === 0) return this;
    this.parts.push(...varint(BigInt((field << 3) | 2)), ...varint(BigInt(value.length)));
    for (const b of value) this.parts.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** varint value for wire type 0, raw bytes for wire type 2 (other wire types are skipped). */
  int?: bigint;
  bytes?: Uint8Array;
}

/** Decodes the top level of a protobuf message; nested messages are decoded by calling it again. */
export function readProto(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  };
  while (pos < buf.length) {
    const key = Number(readVarint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, int: readVarint() });
    else if (wire === 2) {
      const len = Number(readVarint());
      if (pos + len > buf.length) throw new Error('truncated length-delimited field');
      fields.push({ field, wire, bytes: buf.slice(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return fields;
}

/** Merkle root over 32-byte leaves the way java-tron's MerkleTree pairs them (odd leaf promoted). */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return new Uint8Array(32);
  let level = leaves;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) next.push(level[i]);
      else next.push(sha256(Buffer.concat([level[i], level[i + 1]])));
    }
    level = next;
  }
  return level[0];
}
