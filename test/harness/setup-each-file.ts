// Quiet SDK logs in tests (warnings and errors only). One Runtime per process; later files reuse it.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed for this process
}
