/**
 * The Temporal SDK's Logger interface onto pino (worker/runtime.ts): each SDK level lands on the
 * matching pino level, the SDK's meta becomes fields of one JSON line, and Core is asked for no
 * more than pino would print.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../worker/logger';
import { sdkLevelOf, sdkLoggerOf } from '../../worker/runtime';

function capture(level = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, 'worker', sink), lines };
}

describe('the SDK logger adapter', () => {
  it('maps TRACE, DEBUG, INFO, WARN and ERROR onto pino levels 10, 20, 30, 40 and 50', () => {
    const { logger, lines } = capture();
    const sdk = sdkLoggerOf(logger);
    sdk.trace('t');
    sdk.debug('d');
    sdk.info('i');
    sdk.warn('w');
    sdk.error('e');
    sdk.log('WARN', 'via log');
    expect(lines.map((l) => [l.msg, l.level])).toEqual([
      ['t', 10],
      ['d', 20],
      ['i', 30],
      ['w', 40],
      ['e', 50],
      ['via log', 40],
    ]);
  });

  it("writes the SDK's meta as fields of one JSON line, leaving symbol keys out", () => {
    const { logger, lines } = capture();
    sdkLoggerOf(logger).info('Activity completed', {
      sdkComponent: 'activity',
      activityType: 'creditDeposit',
      workflowId: 'deposit-abc-0',
      durationMs: 12,
      [Symbol('timestamp')]: 1n,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      name: 'worker',
      level: 30,
      msg: 'Activity completed',
      sdkComponent: 'activity',
      activityType: 'creditDeposit',
      workflowId: 'deposit-abc-0',
      durationMs: 12,
    });
  });

  it('drops what is below the pino level', () => {
    const { logger, lines } = capture('warn');
    const sdk = sdkLoggerOf(logger);
    sdk.info('quiet');
    sdk.error('loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });

  it('asks Core for the pino level (error for error, fatal and silent)', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map(sdkLevelOf)).toEqual([
      'TRACE',
      'DEBUG',
      'INFO',
      'WARN',
      'ERROR',
      'ERROR',
      'ERROR',
    ]);
  });
});
