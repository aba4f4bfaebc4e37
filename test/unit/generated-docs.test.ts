/**
 * Generated documentation stays generated (issue 22.5): the committed openapi.json is the document
 * the API serves, docs/API.md's endpoint reference is rendered from that file, and the settings
 * table of docs/CONFIGURATION.md from the zod config schema. Regenerate with `npm run docs`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATION_DESCRIPTIONS } from '../../api/openapi-descriptions';
import { CONFIG_DOC_FILE, renderConfigDoc } from '../../scripts/config-docs';
import { ROOT } from '../../scripts/doc-sections';
import { API_DOC_FILE, committedDocument, currentDocument, renderApiDoc } from '../../scripts/openapi';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('generated documentation (regenerate with `npm run docs`)', () => {
  it('commits openapi.json exactly as api/openapi.ts builds it', () => {
    expect(committedDocument()).toEqual(JSON.parse(JSON.stringify(currentDocument())));
  });

  it('renders the endpoint reference of docs/API.md from openapi.json', () => {
    const current = read(API_DOC_FILE);
    expect(current).toBe(renderApiDoc(current, committedDocument()));
  });

  it('renders the settings table of docs/CONFIGURATION.md from the config schema', () => {
    const current = read(CONFIG_DOC_FILE);
    expect(current).toBe(renderConfigDoc(current));
  });

  it('describes only operations the document has (no description left behind by a removed route)', () => {
    const doc = committedDocument();
    const operations = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(Object.keys(OPERATION_DESCRIPTIONS).filter((key) => !operations.has(key))).toEqual([]);
  });
});
