/**
 * Registration point for the worker's workflow bundle: `export * from './<name>';` per workflow.
 * Workflow code is deterministic and uses relative imports only (webpack bundles it).
 */
export * from './agent-health';
export * from './deposit';
export * from './deposit-watcher';
export * from './maintenance';
export * from './reconciler';
export * from './rental';
export * from './task';
export * from './task-review';
export * from './webhook-delivery';
export * from './withdrawal';
