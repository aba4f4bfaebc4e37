/**
 * Registration point for the worker's workflow bundle: `export * from './<name>';` per workflow.
 * Workflow code is deterministic and uses relative imports only (webpack bundles it).
 */
export {};
