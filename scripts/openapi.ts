/**
 * The committed OpenAPI document and the endpoint reference generated from it.
 * `npm run openapi` writes `openapi.json` (what `GET /openapi.json` serves, built by api/openapi.ts)
 * and regenerates the endpoint section of docs/API.md from that file. Tests fail while either is
 * stale: test/integration/openapi-document.test.ts (served = committed) and
 * test/unit/generated-docs.test.ts (docs/API.md = rendered from openapi.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../api/app'; // every route module registers its operations when imported
import { openApiDocument } from '../api/openapi';
import { formatted, replaceSection, ROOT } from './doc-sections';

export const OPENAPI_FILE = 'openapi.json';
export const API_DOC_FILE = 'docs/API.md';
const SECTION = 'api-endpoints';
const SCRIPT = 'npm run openapi';

type Operation = {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { $ref?: string; name?: string; in?: string; required?: boolean }[];
  responses?: Record<string, unknown>;
};
export type OpenApiDoc = {
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks?: Record<string, Record<string, Operation>>;
};

/** The document as `GET /openapi.json` serves it now. */
export const currentDocument = (): OpenApiDoc => openApiDocument() as unknown as OpenApiDoc;

export const committedDocument = (): OpenApiDoc =>
  JSON.parse(readFileSync(join(ROOT, OPENAPI_FILE), 'utf8')) as OpenApiDoc;

function idempotencyOf(op: Operation): string | undefined {
  const ref = op.parameters?.find((p) => p.$ref?.endsWith('IdempotencyKey'))?.$ref;
  if (!ref) return undefined;
  return ref.endsWith('/OptionalIdempotencyKey') ? 'optional' : 'required';
}

function operationBlock(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? [])
    .filter((p) => p.name && (p.in === 'query' || p.in === 'header'))
    .map((p) => `\`${p.name}\`${p.in === 'header' ? ' (header)' : ''}`);
  const idempotency = idempotencyOf(op);
  const facts = [
    `\`${op.operationId ?? '?'}\``,
    op.security?.length ? 'X-API-Key or Bearer' : 'no credentials',
    ...(idempotency ? [`Idempotency-Key ${idempotency}`] : []),
    ...(params.length ? [`parameters ${params.join(', ')}`] : []),
    `answers ${Object.keys(op.responses ?? {}).join(', ')}`,
  ];
  return [
    `#### \`${method.toUpperCase()} ${path}\``,
    '',
    `${op.summary ?? ''}`,
    '',
    ...(op.description ? [op.description, ''] : []),
    facts.join(' · '),
  ].join('\n');
}

/** The endpoint reference: per tag, every operation with its summary, description and facts. */
export function renderEndpoints(doc: OpenApiDoc): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationBlock(method, path, op)]);
    }
  const sections = (doc.tags ?? [])
    .filter((t) => byTag.has(t.name))
    .map((t) => [`### ${t.name}`, '', ...(t.description ? [t.description, ''] : []), ...byTag.get(t.name)!]);
  const events = Object.entries(doc.webhooks ?? {}).map(
    ([name, item]) => `| \`${name}\` | ${(item.post?.summary ?? '').replace(/\|/g, '\\|')} |`,
  );
  return [
    ...sections.map((s) => s.join('\n\n')),
    '### Events we send to your webhook_url',
    'Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`); each ' +
      'payload’s schema is under `webhooks` in openapi.json.',
    ['| event | sent |', '| --- | --- |', ...events].join('\n'),
  ].join('\n\n');
}

export const renderOpenApiJson = (doc: OpenApiDoc) => formatted(JSON.stringify(doc, null, 2), OPENAPI_FILE);

/** docs/API.md with its endpoint section rendered from `doc`. */
export function renderApiDoc(current: string, doc: OpenApiDoc): string {
  return formatted(
    replaceSection(current, API_DOC_FILE, SECTION, SCRIPT, renderEndpoints(doc)),
    API_DOC_FILE,
  );
}

export function writeOpenApi(): void {
  writeFileSync(join(ROOT, OPENAPI_FILE), renderOpenApiJson(currentDocument()));
  const apiDoc = join(ROOT, API_DOC_FILE);
  writeFileSync(apiDoc, renderApiDoc(readFileSync(apiDoc, 'utf8'), committedDocument()));
  console.log(`${OPENAPI_FILE} and ${API_DOC_FILE} written`);
}

if (require.main === module) writeOpenApi();
