/**
 * Records a workflow's history into test/histories when RECORD_HISTORIES=1. Runs the
 * record-history script in a child process: protobuf JSON conversion does not survive jest's
 * module registry.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export function maybeRecordHistory(
  temporalAddress: string,
  workflowId: string,
  name: string,
  runId?: string,
): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const root = path.join(__dirname, '..', '..');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      path.join(root, 'scripts', 'record-history.ts'),
      workflowId,
      name,
      ...(runId ? [runId] : []),
    ],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress },
      stdio: 'inherit',
    },
  );
}
