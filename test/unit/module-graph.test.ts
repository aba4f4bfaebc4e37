/**
 * The module graph keeps the layers of docs/ARCHITECTURE.md: no value-import cycle, no import
 * from a lower layer to a higher one, and no import the layer table forbids. The fixture graphs
 * prove each check fires.
 */
import path from 'node:path';
import {
  applicationSources,
  forbiddenImports,
  graphOf,
  importsOf,
  layerOf,
  upwardImports,
  valueCycles,
} from '../harness/module-graph';

const fixture = (files: Record<string, string>) => graphOf(new Map(Object.entries(files)));

describe('module graph of the application', () => {
  const edges = graphOf(applicationSources(path.join(__dirname, '..', '..')));

  it('is read at all (the walk finds the layers and their imports)', () => {
    const layers = new Set(edges.map((e) => layerOf(e.from)));
    expect([...layers].sort()).toEqual(
      ['activity', 'api', 'contract', 'db', 'domain', 'entry', 'services', 'workflow'].sort(),
    );
  });

  it('has no value-import cycle', () => {
    expect(valueCycles(edges)).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    expect(upwardImports(edges)).toEqual([]);
  });

  it('has no import the layer table forbids (api never imports activities; workflows import stores and activities as types only)', () => {
    expect(forbiddenImports(edges)).toEqual([]);
  });
});

describe('module graph checks (fixtures)', () => {
  it('find a value-import cycle', () => {
    const edges = fixture({
      'activities/ledger.ts': "import { referralFor } from './referrals';",
      'activities/referrals.ts': "import { asFailure } from './ledger';",
    });
    expect(valueCycles(edges)).toEqual([['activities/ledger.ts', 'activities/referrals.ts']]);
  });

  it('find a cycle through a re-export', () => {
    const edges = fixture({
      'domain/a.ts': "export * from './b';",
      'domain/b.ts': "import { a } from './a';",
    });
    expect(valueCycles(edges)).toHaveLength(1);
  });

  it('do not count a circle closed by a type import as a value cycle', () => {
    const edges = fixture({
      'activities/webhooks.ts': "import { start } from '../workflows/webhook-delivery/contract';",
      'workflows/webhook-delivery/contract.ts':
        "import { type Activities } from '../../activities/webhooks';",
    });
    expect(valueCycles(edges)).toEqual([]);
  });

  it('find a contract importing an activity type (a lower layer importing a higher one)', () => {
    const edges = fixture({
      'workflows/deposit/contract.ts': "import type { DepositCandidate } from '../../activities/deposits';",
      'activities/deposits.ts': '',
    });
    expect(upwardImports(edges)).toEqual(['workflows/deposit/contract.ts → activities/deposits.ts']);
  });

  it('find a contract importing its own workflow through typeof import()', () => {
    const edges = fixture({
      'workflows/rental/contract.ts':
        "export const T = 'rentalWorkflow' satisfies keyof typeof import('./workflow');",
      'workflows/rental/workflow.ts': '',
    });
    expect(upwardImports(edges)).toEqual(['workflows/rental/contract.ts → workflows/rental/workflow.ts']);
  });

  it('find domain importing a store', () => {
    const edges = fixture({ 'domain/rules.ts': "import { q } from '../db/pool';", 'db/pool.ts': '' });
    expect(upwardImports(edges)).toEqual(['domain/rules.ts → db/pool.ts']);
  });

  it('find api importing an activity although activities rank below api', () => {
    const edges = fixture({
      'api/use-cases/webhooks.ts': "import { enqueue } from '../../activities/webhook-enqueue';",
      'activities/webhook-enqueue.ts': '',
    });
    expect(upwardImports(edges)).toEqual([]);
    expect(forbiddenImports(edges)).toEqual(['api/use-cases/webhooks.ts → activities/webhook-enqueue.ts']);
  });

  it('allow a workflow the types of its activities but not their values', () => {
    const edges = fixture({
      'workflows/task/workflow.ts': [
        "import type { createTaskActivities } from '../../activities/tasks';",
        "import { openTask } from '../../activities/tasks';",
      ].join('\n'),
      'activities/tasks.ts': '',
    });
    expect(forbiddenImports(edges)).toEqual(['workflows/task/workflow.ts → activities/tasks.ts']);
  });

  it('read `import { type A }` as a type import and a bare side-effect import as a value import', () => {
    expect(importsOf('x.ts', "import { type A, type B } from './a';\nimport './b';")).toEqual([
      { specifier: './a', typeOnly: true },
      { specifier: './b', typeOnly: false },
    ]);
  });
});
