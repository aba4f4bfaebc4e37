/**
 * Prebuilds the workflow bundle, so a worker starts without webpack: for the production image
 * (Dockerfile: `node dist/scripts/build-workflow-bundle.js <out.js>`, then
 * WORKFLOW_BUNDLE_PATH=<out.js>), and as the child process a worker without a prebuilt bundle
 * runs (worker/workflow-bundle.ts), so webpack's memory never stays in the worker.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import path from 'node:path';
import { WORKFLOWS_PATH, writeBundleFile } from '../worker/workflow-bundle';

export async function buildWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  writeBundleFile(outFile, code);
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
