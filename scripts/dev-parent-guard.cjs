/**
 * Preloaded into every child of `npm run dev` (`node --require <this> --import tsx …`). The
 * children run in their own process group, so if the dev script dies without stopping them
 * (kill -9), the closing IPC channel is their only signal: they then shut down as on SIGTERM.
 * Plain CommonJS because it is also loaded into the worker's threads, which have no TS loader.
 */
const process = require('node:process');
const { isMainThread } = require('node:worker_threads');

if (isMainThread && process.send) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel exists only for this; it must not keep the process alive.
  process.channel?.unref();
}
