/**
 * TRON addresses: base58check validation at the API edge, hex↔base58 for reading logs, and the
 * HD derivation of deposit addresses (BIP-44 coin type 195). Private keys derived here never leave
 * the function that needs them and are never logged.
 */
import { TronWeb, utils } from 'tronweb';

const BASE58_TRON = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

/** A mainnet-format base58check TRON address ("T…", 34 chars, valid checksum). Hex is refused. */
export function isTronBase58Address(value: string): boolean {
  return BASE58_TRON.test(value) && TronWeb.isAddress(value);
}

/** 20-byte hex as found in event logs/topics (with or without the 0x41 prefix) → base58. */
export function base58FromHex(hex: string): string {
  const clean = hex.replace(/^0x/, '').toLowerCase();
  const body = clean.length === 64 ? clean.slice(24) : clean.length === 42 ? clean.slice(2) : clean;
  return TronWeb.address.fromHex(`41${body}`);
}

/** base58 → the 20-byte hex body (no 41 prefix), lower case, as event logs carry it. */
export function hex20FromBase58(address: string): string {
  return TronWeb.address.toHex(address).toLowerCase().slice(2);
}

export const depositDerivationPath = (index: number) => `m/44'/195'/0'/0/${index}`;

/** The deposit address at `index` of the platform mnemonic. */
export function deriveDepositAddress(mnemonic: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`bad derivation index ${index}`);
  const account = TronWeb.fromMnemonic(mnemonic, depositDerivationPath(index));
  if (account instanceof Error) throw new Error('TRON_DEPOSIT_MNEMONIC is not a valid mnemonic');
  return account.address;
}

/** The account-level xpub (m/44'/195'/0') of a mnemonic: what the API gets in production. */
export function depositXpubOfMnemonic(mnemonic: string): string {
  const account = utils.ethersUtils.ethersHDNodeWallet.fromPhrase(mnemonic, undefined, "m/44'/195'/0'");
  return account.neuter().extendedKey;
}

/** The deposit address at `index` (m/44'/195'/0'/0/<index>) from the account-level xpub alone. */
export function deriveDepositAddressFromXpub(xpub: string, index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`bad derivation index ${index}`);
  let child;
  try {
    child = utils.ethersUtils.ethersHDNodeWallet.fromExtendedKey(xpub).derivePath(`0/${index}`);
  } catch {
    throw new Error('TRON_DEPOSIT_XPUB is not a valid extended public key');
  }
  return TronWeb.address.fromHex(`41${child.address.slice(2)}`);
}

/** Deposit address derivation from the configured key: the xpub when set, else the dev mnemonic. */
export function depositAddressDeriver(config: {
  TRON_DEPOSIT_XPUB?: string;
  TRON_DEPOSIT_MNEMONIC?: string;
}): ((index: number) => string) | undefined {
  const { TRON_DEPOSIT_XPUB: xpub, TRON_DEPOSIT_MNEMONIC: mnemonic } = config;
  if (xpub) return (index) => deriveDepositAddressFromXpub(xpub, index);
  if (mnemonic) return (index) => deriveDepositAddress(mnemonic, index);
  return undefined;
}

/** Address of a raw 64-hex private key (the hot wallet). */
export function addressOfPrivateKey(privateKey: string): string {
  const address = TronWeb.address.fromPrivateKey(privateKey);
  if (!address) throw new Error('TRON_HOT_WALLET_PRIVATE_KEY is not a valid private key');
  return address;
}
