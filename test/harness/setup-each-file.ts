// The SDK's logs in tests go through pino as in production (worker/runtime.ts), warnings and errors
// only. One Runtime per process: installed before any worker of the file; later files reuse it.
import { createLogger } from '../../worker/logger';
import { installWorkerRuntime } from '../../worker/runtime';

try {
  installWorkerRuntime(createLogger(process.env.TEST_SDK_LOG_LEVEL ?? 'warn', 'test'));
} catch {
  // already installed for this process
}
