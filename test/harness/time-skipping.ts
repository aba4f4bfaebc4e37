/** Time-skipping environments on the Java test server resolved by scripts/temporal-servers.ts. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { executableOption, resolveTestServer } from '../../scripts/temporal-servers';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await resolveTestServer();
  // The SDK gives the Java server 5 s to listen; on a loaded machine it sometimes needs longer.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: executableOption(server) },
      });
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
    }
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
