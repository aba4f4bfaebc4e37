import { TronWeb, utils } from 'tronweb';
import {
  ProtoWriter,
  bytesToHex,
  merkleRoot,
  readProto,
  sha256,
  stringToAbi,
  toHexAddress,
  wordToAddress,
  addressToWord,
} from '../../devchain/encoding';
import { formatUnits, parseDecimalUnits } from '../../devchain/routes-admin';
import { SELECTORS, TRANSFER_TOPIC } from '../../devchain/trc20';

describe('devchain encoding', () => {
  it('round-trips varint and bytes fields through ProtoWriter and readProto', () => {
    const big = 1_795_452_092_140n;
    const bytes = new ProtoWriter()
      .varint(1, big)
      .bytes(2, Uint8Array.of(1, 2, 3))
      .varint(7, 0)
      .varint(8, -1n)
      .finish();
    const fields = readProto(bytes);
    expect(fields.map((f) => f.field)).toEqual([1, 2, 8]);
    expect(fields[0].int).toBe(big);
    expect(bytesToHex(fields[1].bytes as Uint8Array)).toBe('010203');
    expect(fields[2].int).toBe((1n << 64n) - 1n);
  });

  it('normalises base58, 41-hex and 0x addresses to lowercase 41-hex', () => {
    const { address } = utils.accounts.generateAccount();
    const hex = address.hex.toLowerCase();
    expect(toHexAddress(address.base58)).toBe(hex);
    expect(toHexAddress(hex.toUpperCase().replace(/^41/, '41'))).toBe(hex);
    expect(toHexAddress('0x' + hex.slice(2))).toBe(hex);
    expect(() => toHexAddress('T' + 'x'.repeat(33))).toThrow(/Invalid address/);
    expect(() => toHexAddress(42)).toThrow(/Invalid address/);
  });

  it('maps addresses to 32-byte ABI words and back', () => {
    const hex = toHexAddress(utils.accounts.generateAccount().address.base58);
    expect(addressToWord(hex)).toHaveLength(64);
    expect(wordToAddress(addressToWord(hex))).toBe(hex);
  });

  it('encodes ABI strings that ethers decodes', () => {
    const [decoded] = utils.ethersUtils.AbiCoder.defaultAbiCoder().decode(
      ['string'],
      '0x' + stringToAbi('Tether USD'),
    );
    expect(decoded).toBe('Tether USD');
  });

  it('uses the standard selectors and Transfer topic', () => {
    expect(SELECTORS.transfer).toBe('a9059cbb');
    expect(SELECTORS.balanceOf).toBe('70a08231');
    expect(TRANSFER_TOPIC).toBe('ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef');
  });

  it('builds merkle roots with zero root for no leaves and promoted odd leaves', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((s) => sha256(Buffer.from(s)));
    expect(bytesToHex(merkleRoot([]))).toBe('0'.repeat(64));
    expect(merkleRoot([a])).toEqual(a);
    const ab = sha256(Buffer.concat([a, b]));
    expect(merkleRoot([a, b, c])).toEqual(sha256(Buffer.concat([ab, c])));
  });

  it('parses decimal amounts into integer units without float arithmetic', () => {
    expect(parseDecimalUnits('12.345678', 6)).toBe(12_345_678n);
    expect(parseDecimalUnits(0.1, 6)).toBe(100_000n);
    expect(parseDecimalUnits('1000000000', 6)).toBe(1_000_000_000_000_000n);
    expect(() => parseDecimalUnits('1.0000001', 6)).toThrow(/more than 6 decimals/);
    expect(() => parseDecimalUnits(-1, 6)).toThrow(/non-negative/);
    expect(() => parseDecimalUnits('1e3', 6)).toThrow();
    expect(formatUnits(1_500_000n, 6)).toBe('1.500000');
  });

  it('agrees with tronweb on base58 formatting', () => {
    const { address } = utils.accounts.generateAccount();
    expect(TronWeb.address.fromHex(toHexAddress(address.base58))).toBe(address.base58);
  });
});
