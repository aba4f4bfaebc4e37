/**
 * `npm run docs`: regenerates every generated file and section — openapi.json and the endpoint
 * reference of docs/API.md (scripts/openapi.ts), the settings table of docs/CONFIGURATION.md
 * (scripts/config-docs.ts) and the error codes of docs/ERRORS.md (scripts/error-codes.ts).
 * Run it after changing a route, its schemas, the config schema or the error table, and commit the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOC_FILE, renderConfigDoc } from './config-docs';
import { ROOT } from './doc-sections';
import { ERRORS_DOC_FILE, withErrorCodes } from './error-codes';
import { writeOpenApi } from './openapi';

function rewrite(file: string, render: (current: string) => string) {
  const path = join(ROOT, file);
  writeFileSync(path, render(readFileSync(path, 'utf8')));
  console.log(`${file} written`);
}

writeOpenApi();
rewrite(CONFIG_DOC_FILE, renderConfigDoc);
rewrite(ERRORS_DOC_FILE, withErrorCodes);
