/** Markup that is already safe (built by `html` or escaped): interpolated as is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Text as HTML text or attribute value: the five characters that could end either are escaped. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v instanceof SafeHtml) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/**
 * A template whose every interpolation is escaped unless it is SafeHtml (another `html` template): a title or id
 * from the store can never become markup by forgetting to escape it.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let q = 0; q < values.length; q++) out += render(values[q]!) + strings[q + 1]!;
  return new SafeHtml(out);
}

/** JSON for a `<script type="application/json">` block: `<` is escaped, so no string inside can close the element. */
export function jsonForScript(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}
