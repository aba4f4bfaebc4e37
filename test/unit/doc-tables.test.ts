/**
 * The hand-written tables of README.md and docs/*.md name only what the code has (issue 23.7):
 * every `METHOD /path` is an operation of openapi.json; the workflow table names only registered
 * search attributes (and every one of them), one row per workflow kind the contracts start; the
 * `BusinessStatus` table lists exactly each kind's statuses as the domain types spell them; the
 * webhook policy table matches the policies and names every outbound event. The generated tables
 * (endpoints, settings, errors) are checked by generated-docs.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SA } from '../../domain/search-attributes';
import { attemptsOf, WEBHOOK_POLICIES, WEBHOOK_POLICY_NAMES } from '../../domain/webhook-policies';
import type { WebhookPolicyName } from '../../domain/webhooks';
import { ROOT } from '../../scripts/doc-sections';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);

/** `METHOD /path` mentions that are not operations of this API's document, each with why. */
const NOT_IN_OPENAPI: Record<string, string> = {
  'GET /llms.txt': 'plain-text index generated from the document itself',
  'GET /llms-full.txt': 'plain-text index generated from the document itself',
  'GET /x': 'an example path in the deadline rules',
  'DELETE /api/v1/mcp': 'answers 405: MCP sessions need no termination',
  'GET /metrics': 'served on METRICS_PORT, not by the API',
  'POST /admin/mint': 'devchain, not the API',
  'GET /admin/info': 'devchain, not the API',
};

/** The rows of the markdown table whose header row starts with `| <firstHeader>`, as cell arrays. */
function tableRows(markdown: string, firstHeader: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^\\|\\s*${firstHeader}\\s*\\|`).test(l));
  if (start < 0) throw new Error(`no table starting with "${firstHeader}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The string literals of an exported union type alias, read from its source file. */
function unionMembers(file: string, typeName: string): string[] {
  const m = new RegExp(`export type ${typeName}\\s*=([^;]+);`).exec(read(file));
  if (!m) throw new Error(`${typeName} not found in ${file}`);
  return [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
}

/** The WorkflowKind each workflow contract starts with (a literal or a constant of that file). */
function workflowKinds(): string[] {
  const dir = join(ROOT, 'workflows');
  const kinds: string[] = [];
  for (const context of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    const source = read(`workflows/${context.name}/contract.ts`);
    for (const [, value] of source.matchAll(/key: SA\.WorkflowKind, value: ([^ }]+)/g)) {
      const literal = /^'([^']+)'$/.exec(value);
      const constant = new RegExp(`const ${value}\\s*=\\s*'([^']+)'`).exec(source);
      const kind = literal?.[1] ?? constant?.[1];
      if (!kind) throw new Error(`cannot read the WorkflowKind ${value} of ${context.name}/contract.ts`);
      kinds.push(kind);
    }
  }
  return kinds.sort();
}

describe('README and docs tables match the code', () => {
  it('names only operations openapi.json has', () => {
    const doc = JSON.parse(read('openapi.json')) as { paths: Record<string, Record<string, unknown>> };
    const shape = (path: string) => path.replace(/\{[^}]*\}/g, '{}');
    const operations = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${shape(path)}`),
      ),
    );
    const unknown = DOCS.flatMap((file) =>
      [...read(file).matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/[A-Za-z0-9_{}/.-]*)/g)]
        .map(([, method, path]) => `${method} ${path.replace(/\.$/, '')}`)
        .filter((op) => !(op in NOT_IN_OPENAPI) && !operations.has(shape(op)))
        .map((op) => `${file}: ${op}`),
    );
    expect(unknown).toEqual([]);
  });

  describe('docs/WORKFLOWS.md', () => {
    const workflows = read('docs/WORKFLOWS.md');

    it('names only registered search attributes, and every one of them', () => {
      const rows = tableRows(workflows, 'workflow type \\(file\\)');
      // Names only: `(<txid>-<log_index>)` and the like describe a value.
      const named = rows
        .flatMap((r) => backticked(r[r.length - 1]))
        .filter((n) => /^[A-Z][A-Za-z]+$/.test(n));
      const registered = Object.values(SA).map((k) => k.name);
      expect(named.filter((n) => !registered.includes(n))).toEqual([]);
      const shown = new Set(['WorkflowKind', 'BusinessStatus', ...named]);
      expect(registered.filter((n) => !shown.has(n))).toEqual([]);
    });

    it('has one BusinessStatus row per workflow kind the contracts start', () => {
      const kinds = tableRows(workflows, '`WorkflowKind`').map((r) => backticked(r[0])[0]);
      expect([...new Set(kinds)].sort()).toEqual([...new Set(workflowKinds())].sort());
    });

    it('lists exactly the statuses of each kind', () => {
      const statuses: Record<string, string[]> = {
        rental: unionMembers('domain/rental-store.ts', 'RentalStatus'),
        task: unionMembers('domain/task-store.ts', 'TaskStatus'),
        'task-review': unionMembers('workflows/task/contract.ts', 'ReviewStatus'),
        // `skipped` deliveries never start a workflow.
        'webhook-delivery': ['pending', 'retrying', 'delivered', 'failed'],
        deposit: unionMembers('domain/deposits.ts', 'DepositStatus'),
        'deposit-watcher': ['watching'],
        withdrawal: unionMembers('domain/withdrawals.ts', 'WithdrawalStatus'),
        'service-order': unionMembers('domain/service-orders.ts', 'ServiceOrderStatus'),
      };
      // A workflow whose refused first step shows `refused` (workflows/opening.ts) adds that status.
      const workflowFiles: Record<string, string> = {
        rental: 'workflows/rental/workflow.ts',
        task: 'workflows/task/workflow.ts',
        'task-review': 'workflows/task/review.ts',
        withdrawal: 'workflows/withdrawal/workflow.ts',
        'service-order': 'workflows/service-order/workflow.ts',
      };
      for (const [kind, file] of Object.entries(workflowFiles))
        if (/\b(showRefused|endUnopened)\(/.test(read(file))) statuses[kind] = [...statuses[kind], 'refused'];
      const documented = Object.fromEntries(
        tableRows(workflows, '`WorkflowKind`').map((r) => [backticked(r[0])[0], backticked(r[1]).sort()]),
      );
      for (const kind of Object.keys(documented)) {
        expect({ kind, statuses: documented[kind] }).toEqual({
          kind,
          statuses: [...(statuses[kind] ?? [])].sort(),
        });
      }
    });
  });

  describe('the webhook policy table of docs/API.md', () => {
    const rows = tableRows(read('docs/API.md'), 'policy');
    const byPolicy = new Map(rows.map((r) => [backticked(r[0])[0], r]));

    it('has one row per policy, with its attempts, order and disable rule', () => {
      expect([...byPolicy.keys()].sort()).toEqual([...WEBHOOK_POLICY_NAMES].sort());
      for (const [name, row] of byPolicy) {
        const policy = WEBHOOK_POLICIES[name as WebhookPolicyName];
        const [, , , timeout, attempts, ordered, disable] = row;
        expect({ name, timeout, attempts: Number(/^\d+/.exec(attempts)?.[0]), ordered, disable }).toEqual({
          name,
          timeout: `${policy.timeoutMs / 1000} s`,
          attempts: attemptsOf(policy),
          ordered: policy.ordered ? 'yes' : 'no',
          disable: policy.exemptFromDisable ? 'exempt' : 'counts',
        });
      }
    });

    it('names every outbound event of openapi.json (rental_* as "rental events")', () => {
      const doc = JSON.parse(read('openapi.json')) as { webhooks: Record<string, unknown> };
      const usedFor = rows.map((r) => r[1]).join(' ');
      const named = new Set(backticked(usedFor));
      const missing = Object.keys(doc.webhooks).filter((event) =>
        event.startsWith('rental_') ? !usedFor.includes('rental events') : !named.has(event),
      );
      expect(missing).toEqual([]);
    });
  });

  it('links every docs file from the README', () => {
    const readme = read('README.md');
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    expect(docs.filter((f) => !readme.includes(`](docs/${f}`))).toEqual([]);
  });

  it('links only docs files that exist from the README documentation table', () => {
    const linked = tableRows(read('README.md'), 'file').map((r) => /\]\(([^)]+)\)/.exec(r[0])?.[1]);
    const missing = linked.filter((f) => {
      try {
        read(f ?? '');
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});
