/**
 * Registration point for the worker's workflow bundle: `export * from './<context>/<workflow>';`
 * per workflow (each workflow file exports its workflow functions only; everything a client needs
 * is in that context's `contract.ts`). Workflow code is deterministic and uses relative imports
 * only (webpack bundles it).
 */
export * from './agent-health/workflow';
export * from './deposit/workflow';
export * from './deposit/watcher';
export * from './maintenance/workflow';
export * from './reconciler/workflow';
export * from './rental/workflow';
export * from './task/workflow';
export * from './task/review';
export * from './webhook-delivery/workflow';
export * from './withdrawal/workflow';
export * from './service-order/workflow';
