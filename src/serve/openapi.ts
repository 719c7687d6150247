import { z } from 'zod';
import type { Scope } from './keys.ts';
import { ErrorBody } from './schemas.ts';

export interface RouteDoc {
  method: string;
  path: string;
  scope: Scope | null;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodType;
  response: z.ZodType;
  status: number;
}

const schema = (s: z.ZodType, io: 'input' | 'output') => {
  const j = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
  delete j.$schema;
  return j;
};

const ERRORS: Record<string, string> = {
  400: 'invalid request (the error names the field)', 401: 'no valid API key', 403: 'the key lacks the scope', 404: 'not found',
  409: 'conflict', 413: 'body too large', 429: 'rate limited (see Retry-After)', 503: 'the store could not complete the operation',
};

/** The OpenAPI 3 document of the routes, generated from the same zod schemas that validate them. */
export function openApiDocument(routes: RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const error = { content: { 'application/json': { schema: schema(ErrorBody, 'output') } } };
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 256 } }));
    if (r.query) {
      const q = schema(r.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, s] of Object.entries(q.properties ?? {})) parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema: s });
    }
    const responses: Record<string, unknown> = { [r.status]: { description: 'success', content: { 'application/json': { schema: schema(r.response, 'output') } } } };
    for (const [code, description] of Object.entries(ERRORS)) {
      if (!r.scope && ['401', '403', '429'].includes(code)) continue;
      responses[code] = { description, ...error };
    }
    (paths[path] ??= {})[r.method] = {
      summary: r.summary, tags: [r.tag],
      ...(r.scope ? { security: [{ apiKey: [] }], 'x-scope': r.scope, description: `Needs an API key with scope "${r.scope}" or above.` } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Curio', version: '1', description: 'Recommendations, events, items and users over HTTP. Keys: `curio keys create --scope read|write|admin`.' },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'curio_<id>_<secret>' } } },
    paths,
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** /docs: the OpenAPI document as one browsable page (routes, scopes, request and response schemas). */
export function docsPage(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, { summary: string; 'x-scope'?: string; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const body = op.requestBody ? `<details><summary>request</summary><pre>${esc(JSON.stringify(op.requestBody.content['application/json']!.schema, null, 2))}</pre></details>` : '';
      const ok = Object.entries(op.responses).find(([c]) => c.startsWith('2'))?.[1].content?.['application/json']?.schema;
      const res = ok ? `<details><summary>response</summary><pre>${esc(JSON.stringify(ok, null, 2))}</pre></details>` : '';
      rows.push(`<tr><td><code>${method.toUpperCase()}</code></td><td><code>${esc(path)}</code></td><td>${esc(op['x-scope'] ?? 'none')}</td><td>${esc(op.summary)}${body}${res}</td></tr>`);
    }
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>Curio API</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td{vertical-align:top;padding:4px 8px;border-bottom:1px solid #ddd}pre{font-size:12px;max-height:30em;overflow:auto}</style></head>
<body><h1>Curio API</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Send <code>Authorization: Bearer &lt;key&gt;</code>; errors are <code>{"error": {"code", "message", "field"}}</code>.</p>
<table><tr><th>method</th><th>path</th><th>scope</th><th>what</th></tr>${rows.join('\n')}</table></body></html>`;
}
