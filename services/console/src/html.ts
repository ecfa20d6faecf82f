// Server-side HTML: a tagged template that escapes every interpolated value unless it is already
// markup (`Html`), so a record key or error message can never become markup. Pure.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join('');
  return escapeHtml(String(value as string | number | boolean));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => (out += render(v) + strings[i + 1]!));
  return new Html(out);
}

/** A query string from the given (non-empty) parameters, `?a=1&b=2`, or ''. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export interface Viewer {
  name: string;
  role: 'reader' | 'operator';
  csrf: string;
}

const NAV = [
  ['connections', '/', 'Connections'],
  ['trail', '/trail', 'Trail'],
  ['dlq', '/dlq', 'DLQ'],
  ['replays', '/replays', 'Replays'],
] as const;
export type Section = (typeof NAV)[number][0];

/** The page around a section's content: skip link, navigation (current page marked), who is signed in, sign out. */
export function layout({ title, section, viewer, body }: { title: string; section?: Section | undefined; viewer?: Viewer | undefined; body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ml-connector console</title>
<link rel="stylesheet" href="/static/console.css">
<script type="module" src="/static/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">ml-connector</span>
${viewer === undefined
  ? ''
  : html`<nav aria-label="Sections"><ul>${NAV.map(([id, href, label]) => html`<li><a href="${href}"${id === section ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
<form class="who" method="post" action="/logout"><span>${viewer.name} · <strong>${viewer.role}</strong></span><input type="hidden" name="_csrf" value="${viewer.csrf}"><button type="submit">Sign out</button></form>`}
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** `2026-11-29T13:00:00.123456Z` → `2026-11-29 13:00:00.123Z`. */
export const shortTime = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1Z') : '–');

export const errorBox = (message: string) => html`<p class="error" role="alert">${message}</p>`;
