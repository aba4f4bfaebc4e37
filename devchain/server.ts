// devchain: a local TRON full node + solidity node simulator speaking the java-tron HTTP API subset
// tronweb uses, with one USDT TRC-20 contract and test controls under /admin. See devchain/README.md.
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Chain } from './chain';
import type { DevchainOptions } from './config';
import { toBase58Address } from './encoding';
import { adminRouter } from './routes-admin';
import { walletRouter } from './routes-wallet';

export type { DevchainOptions } from './config';

export interface DevchainHandle {
  /** e.g. http://127.0.0.1:9090 — use as tronweb's fullHost */
  url: string;
  /** USDT contract, base58 */
  usdtContract: string;
  /** USDT contract, 41-hex */
  usdtContractHex: string;
  stop(): Promise<void>;
}

export async function startDevchain(opts: DevchainOptions = {}): Promise<DevchainHandle> {
  const blockIntervalMs = opts.blockIntervalMs ?? 3000;
  if (!Number.isInteger(blockIntervalMs) || blockIntervalMs < 0)
    throw new Error('blockIntervalMs must be ≥ 0');
  const host = opts.host ?? '127.0.0.1';
  const chain = new Chain({ seed: opts.seed, solidityLag: opts.solidityLag, fees: opts.fees });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // java-tron reads the body as JSON whatever the content type; parsed per request in http.ts.
  app.use(express.text({ type: () => true, limit: '4mb' }));
  let port = opts.port ?? 9090;
  app.use(walletRouter(chain, () => port));
  app.use(adminRouter(chain, { blockIntervalMs }));
  app.use((err: Error, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    res.status(400).json({ Error: `devchain: ${err.message}` });
  });

  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  port = (server.address() as AddressInfo).port;

  const timer = blockIntervalMs > 0 ? setInterval(() => chain.mine(1), blockIntervalMs) : undefined;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve, reject) => {
      if (timer) clearInterval(timer);
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
    return stopped;
  };

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    usdtContract: toBase58Address(chain.usdtContract),
    usdtContractHex: chain.usdtContract,
    stop,
  };
}
