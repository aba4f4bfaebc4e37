import type { ChildProcess } from 'node:child_process';
import { stopServices } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __AGENTRENT_SERVICES__?: ChildProcess }).__AGENTRENT_SERVICES__;
  if (child) await stopServices(child);
}
