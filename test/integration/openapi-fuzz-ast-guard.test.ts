/**
 * The OpenAPI fuzz once failed inside schemathesis itself ("Inconsistent results ... SystemError:
 * AST constructor recursion depth mismatch"): CPython before 3.11.8 / 3.12.2 shares the AST
 * constructor's depth counter between threads (cpython#106905), and the fuzz runs two worker
 * threads that both parse lambda sources through Hypothesis. The hooks file serialises
 * `ast.parse` on those interpreters. This runs the same thread race in the fuzz's own Python.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { clientPython } from '../../scripts/client-tools';
import { FUZZ_HOOKS } from '../harness/openapi-fuzz';

const STRESS = path.join(__dirname, '..', 'harness', 'ast_parse_stress.py');

function stress(seconds: number, hooks?: string): { python: string; errors: string[] } {
  const res = spawnSync(clientPython(), [STRESS, String(seconds), ...(hooks ? [hooks] : [])], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.status !== 0) throw new Error(`stress failed (exit ${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as { python: string; errors: string[] };
}

it('with the fuzz hooks loaded, threads parsing at once never hit the AST depth mismatch', () => {
  const bare = stress(4);
  // Shown, not asserted: on an affected interpreter the bare race usually fails within seconds.
  console.log(`python ${bare.python}: without the hooks, ${bare.errors.length} threads hit the mismatch`);
  expect(stress(4, FUZZ_HOOKS).errors).toEqual([]);
}, 60_000);
