/**
 * Every recorded history in test/histories replays against today's workflow code.
 * runReplayHistories does not throw on nondeterminism: each result's `error` is checked.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';

const HISTORIES = path.join(__dirname, '..', 'histories');

function recordedHistories() {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'))),
    }));
}

describe('recorded histories', () => {
  const histories = recordedHistories();

  it('includes at least the harness fixture history', () => {
    expect(histories.map((h) => h.workflowId)).toContain('harness-greet');
  });

  it('all replay without nondeterminism against the current workflow code', async () => {
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories(
      { workflowsPath: require.resolve('./all-workflows'), replayName: 'agentrent-replay' },
      histories,
    )) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  }, 120_000);
});
