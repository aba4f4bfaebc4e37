/**
 * Lints code snippets with the project's eslint.config.mjs, each as if it were the file at its
 * `filePath` (the file need not exist). stdin: `[{filePath, code}]`; stdout: one array of
 * `{ruleId, message, line}` per snippet. A child process because ESLint loads its config with a dynamic
 * import, which jest's module sandbox does not allow.
 */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { ESLint } from 'eslint';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const snippets = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const eslint = new ESLint({ cwd: process.cwd(), overrideConfigFile: 'eslint.config.mjs' });
const results = [];
for (const { filePath, code } of snippets) {
  const [result] = await eslint.lintText(code, { filePath });
  results.push(result.messages.map(({ ruleId, message, line }) => ({ ruleId, message, line })));
}
process.stdout.write(JSON.stringify(results));
