/** Time-skipping environments on the Java test server resolved by scripts/temporal-servers.ts. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { executableOption, resolveTestServer } from '../../scripts/temporal-servers';
import { INDEXED_VALUE_TYPES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../../domain/search-attributes';

export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const server = await resolveTestServer();
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: executableOption(server) } });
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
