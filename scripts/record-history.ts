/**
 * `npm run record-history -- <workflowId> [name] [runId]`: exports the event history of a real workflow
 * (from TEMPORAL_ADDRESS, default the dev server) into test/histories/<name>.json, where the replay
 * suite picks it up. Record after a workflow completes a lifecycle worth protecting.
 */
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';

export const HISTORIES_DIR = path.join(__dirname, '..', 'test', 'histories');

export async function recordHistory(
  client: Client,
  workflowId: string,
  name = workflowId,
  runId?: string,
): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  fs.writeFileSync(file, historyToJSON(history));
  return file;
}

if (require.main === module) {
  const [workflowId, name, runId] = process.argv.slice(2);
  if (!workflowId) {
    console.error('usage: npm run record-history -- <workflowId> [name] [runId]');
    process.exit(2);
  }
  (async () => {
    const connection = await Connection.connect({
      address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    });
    const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
    console.log(`recorded ${await recordHistory(client, workflowId, name, runId)}`);
    await connection.close();
  })().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
