/**
 * Prebuilds the workflow bundle for the production image (Dockerfile), so a worker starts without
 * webpack: `node dist/scripts/build-workflow-bundle.js <out.js>`, then WORKFLOW_BUNDLE_PATH=<out.js>.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { WORKFLOWS_PATH } from '../worker/create-worker';

export async function buildWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  buildWorkflowBundle(out)
    .then(() => console.log(`workflow bundle written to ${out}`))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
