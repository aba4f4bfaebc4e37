/** Time-skipping environments on the Java test server resolved by scripts/temporal-servers.ts. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { executableOption, resolveTestServer } from '../../scripts/temporal-servers';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';

/**
 * The SDK's own start gives the Java server 5 s to listen (a constant in sdk-core), which a busy
 * machine misses (measured: 6–23 s at a load of 30 on 2 cores, so retries fail alike). So we start
 * it ourselves, wait up to START_TIMEOUT_MS, and hand the address to the SDK's environment
 * factory with time skipping on: the same environment createTimeSkipping() builds, minus the 5 s.
 */
const START_TIMEOUT_MS = 120_000;

/** The SDK's environment factory behind createTimeSkipping/createFromExistingServer (not public). */
interface EnvironmentFactory {
  create(opts: {
    server: { type: 'existing' };
    address: string;
    namespace: string;
    supportsTimeSkipping: boolean;
  }): Promise<TestWorkflowEnvironment>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts `<executable> <port>` (the SDK's calling convention) and waits until it listens. */
async function startJavaTestServer(executable: string): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(executable, [String(port)], { stdio: 'ignore' });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let exited: string | undefined;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      resolve();
    }),
  );
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await listening(port))) {
    if (exited !== undefined || Date.now() > deadline) {
      await stop();
      throw new Error(
        `temporal test server ${exited !== undefined ? `exited (${exited})` : `did not listen within ${START_TIMEOUT_MS / 1000} s`}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { address: `127.0.0.1:${port}`, stop };
}

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await resolveTestServer();
  if (!server.path) {
    // No local server: the SDK downloads and starts its own (with its 5 s start-up limit).
    return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: executableOption(server) } });
  }
  const java = await startJavaTestServer(server.path);
  try {
    const env = await (TestWorkflowEnvironment as unknown as EnvironmentFactory).create({
      server: { type: 'existing' },
      address: java.address,
      namespace: 'default',
      supportsTimeSkipping: true,
    });
    const closeConnections = env.teardown.bind(env);
    env.teardown = async () => {
      await closeConnections();
      await java.stop();
    };
    return env;
  } catch (err) {
    await java.stop();
    throw err;
  }
}

/** Registers the platform's search attributes on a test environment (the Java server accepts them). */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  await env.connection.operatorService
    .addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES).map(([name, type]) => [name, INDEXED_VALUE_TYPES[type]]),
      ),
    })
    .catch(() => undefined);
}
