/**
 * `/llms.txt` and `/llms-full.txt`: a plain-text index of the API for agents (the seeds point
 * agents at one). Rendered from the OpenAPI document itself, so it names exactly the operations,
 * credentials, error codes and webhook events the document does and cannot drift from it.
 */
import type { Express } from 'express';
import { openApiDocument } from './openapi';

type Doc = ReturnType<typeof openApiDocument>;
interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: ({ $ref?: string; name?: string; in?: string; required?: boolean } | undefined)[];
}
type PathItem = Record<string, Operation | undefined>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** One operation of the document, as the index lists it. */
export interface IndexedOperation {
  method: string;
  path: string;
  op: Operation;
}

/** Every operation of the document, grouped by its first tag in the document's tag order. */
export function operationsByTag(doc: Doc): Map<string, IndexedOperation[]> {
  const groups = new Map<string, IndexedOperation[]>((doc.tags ?? []).map((t) => [t.name, []]));
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, PathItem>)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method: method.toUpperCase(), path, op });
    }
  }
  return groups;
}

function credentialsOf(op: Operation): string {
  if (!op.security || op.security.length === 0) return 'no auth';
  return op.security.flatMap((s) => Object.keys(s)).join(' or ');
}

function idempotencyOf(op: Operation): string | undefined {
  for (const p of op.parameters ?? []) {
    if (p?.$ref?.endsWith('/OptionalIdempotencyKey')) return 'Idempotency-Key optional';
    if (p?.$ref?.endsWith('/IdempotencyKey')) return 'Idempotency-Key required';
  }
  return undefined;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The index; `full` adds each operation's description, credentials and idempotency. */
export function renderLlmsTxt(doc: Doc, full: boolean): string {
  const lines: string[] = [`# ${doc.info.title}`, ''];
  if (doc.info.description) lines.push(`> ${oneLine(doc.info.description)}`, '');
  lines.push(
    'Plain-text index of the HTTP API, generated from the OpenAPI document at request time.',
    '',
    '## Docs',
    '',
    '- GET /openapi.json: the OpenAPI 3.1 document (request and response schemas)',
    '- GET /docs: the same document, browsable',
    full
      ? '- GET /llms.txt: this index without the descriptions'
      : '- GET /llms-full.txt: this index with every operation described',
    '',
    '## Auth',
    '',
  );
  const schemes = (doc.components?.securitySchemes ?? {}) as Record<
    string,
    { type?: string; in?: string; name?: string; scheme?: string; description?: string }
  >;
  for (const [name, s] of Object.entries(schemes)) {
    const how =
      s.type === 'http'
        ? `Authorization: ${s.scheme ?? ''} <token>`.replace('bearer', 'Bearer')
        : `${s.in} ${s.name}`;
    lines.push(`- ${name}: ${how}${s.description ? ` (${oneLine(s.description)})` : ''}`);
  }
  lines.push('');
  const tagDescriptions = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  for (const [tag, ops] of operationsByTag(doc)) {
    if (ops.length === 0) continue;
    const about = tagDescriptions.get(tag);
    lines.push(`## ${tag}${about ? `: ${about}` : ''}`, '');
    for (const { method, path, op } of ops) {
      lines.push(`- ${method} ${path}: ${oneLine(op.summary ?? op.operationId ?? '')}`);
      if (!full) continue;
      const facts = [op.operationId, credentialsOf(op), idempotencyOf(op)].filter(Boolean).join(' · ');
      lines.push(`  ${facts}`);
      if (op.description) lines.push(`  ${oneLine(op.description)}`);
    }
    lines.push('');
  }
  lines.push('## Errors', '', 'Every error answers JSON {error, code}. The codes:', '');
  const errorSchema = doc.components?.schemas?.Error as
    { properties?: { code?: { enum?: string[] } } } | undefined;
  lines.push((errorSchema?.properties?.code?.enum ?? []).join(', '), '');
  lines.push(
    '## Webhooks',
    '',
    'Events POSTed as JSON to your webhook_url (signed per Standard Webhooks):',
    '',
  );
  for (const [event, item] of Object.entries((doc.webhooks ?? {}) as Record<string, PathItem>)) {
    const op = item.post;
    lines.push(`- ${event}: ${oneLine(op?.summary ?? '')}`);
    if (full && op?.description) lines.push(`  ${oneLine(op.description)}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Mounts both files; rendered once per process (the document is fixed once the routes are registered). */
export function mountLlmsTxt(app: Express): void {
  const cache = new Map<boolean, string>();
  for (const [path, full] of [
    ['/llms.txt', false],
    ['/llms-full.txt', true],
  ] as const) {
    app.get(path, (_req, res) => {
      if (!cache.has(full)) cache.set(full, renderLlmsTxt(openApiDocument(), full));
      res.type('text/plain; charset=utf-8').send(cache.get(full));
    });
  }
}
