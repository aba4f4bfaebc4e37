import { parseJunit } from '../harness/openapi-fuzz';

const junit = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="schemathesis">${body}</testsuite></testsuites>`;
const failure = (codes: string, curl: string) =>
  `<failure type="failure" message="${codes}">1. Test Case ID: x&#10;&#10;- ${codes}&#10;&#10;    ${curl}</failure>`;

describe('reading the schemathesis JUnit report', () => {
  it('counts every operation and classifies 5xx, slow responses and conformance failures', () => {
    const report = parseJunit(
      junit(
        '<testcase name="GET /health" time="1" />' +
          `<testcase name="POST /a" time="1">${failure('ST101, ST103', "curl -X POST -d '{}' http://h/a")}</testcase>` +
          `<testcase name="POST /b" time="1">${failure('ST112', 'curl http://h/b')}</testcase>` +
          `<testcase name="POST /c" time="1">${failure('ST108', 'curl http://h/c')}</testcase>` +
          '<testcase name="POST /d" time="1"><error type="error" message="Network Error">Read timed out. (read timeout=35.0)</error></testcase>',
      ),
    );
    expect(report.operations).toBe(5);
    expect(report.failures.map((f) => [f.operation, f.kind])).toEqual([
      ['POST /a', 'server_error'],
      ['POST /b', 'timeout'],
      ['POST /c', 'conformance'],
      ['POST /d', 'timeout'],
    ]);
  });
});
