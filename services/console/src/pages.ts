import type { ActionSummary, CheckRun, FoundRecord, OutcomeBucket, TrailItem } from '@mlc/audit';
import { ENTITY_TYPES } from '@mlc/events';
import { redactSecrets } from '@mlc/log';
import { formatAge, trailRow, type ShownEntry, type ShownRecord, type StatusReport } from '@mlc/mlc';
import { hourSeries, outcomeChart } from './chart.js';
import { errorBox, html, query, shortTime, type Html, type Viewer } from './html.js';

// The console's pages as pure functions of what the routes loaded: no I/O here.

const csrfField = (viewer: Viewer) => html`<input type="hidden" name="_csrf" value="${viewer.csrf}">`;
/** Payloads and headers as JSON with every secret and bank detail masked (the log's redaction). */
export const masked = (value: unknown) => JSON.stringify(redactSecrets(value), null, 2);
const isOperator = (viewer: Viewer) => viewer.role === 'operator';

// ---------------------------------------------------------------- Connections

export interface ConnectionsData {
  status: StatusReport;
  buckets: readonly OutcomeBucket[];
  checks: readonly CheckRun[];
  now: Date;
}

export function connectionsPage({ status, buckets, checks, now }: ConnectionsData): Html {
  const ids = new Set<string>([
    ...status.connections.map((c) => c.connection),
    ...status.polls.map((p) => p.connection),
    ...buckets.map((b) => b.connection),
    ...checks.flatMap((c) => c.lines.map((l) => l.connection).filter((x): x is string => x !== null)),
  ]);
  ids.delete('-');
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const sections = [...ids].sort().map((id) => {
    const writers = status.connections.filter((c) => c.connection === id);
    const polls = status.polls.filter((p) => p.connection === id);
    const mine = buckets.filter((b) => b.connection === id);
    const day = mine.reduce((n, b) => n + b.count, 0);
    const hour = mine.filter((b) => b.hour >= hourAgo.slice(0, 13)).reduce((n, b) => n + b.count, 0);
    const failedDay = mine.filter((b) => b.status === 'failed' || b.status === 'dead-lettered').reduce((n, b) => n + b.count, 0);
    const check = checks.find((c) => c.lines.some((l) => l.connection === id));
    const checkLines = check?.lines.filter((l) => l.connection === id) ?? [];
    const checkOk = checkLines.every((l) => l.ok);
    const openCircuits = writers.flatMap((w) => w.circuits).filter((c) => c.state !== 'closed');
    const dlqOpen = writers.reduce((n, w) => n + w.dlqOpen, 0);
    const healthy = checkOk && openCircuits.length === 0 && dlqOpen === 0;
    return html`<section class="connection" aria-labelledby="c-${id}">
<h2 id="c-${id}">${id} <span class="badge ${healthy ? 'ok' : 'warn'}">${healthy ? 'healthy' : 'needs attention'}</span></h2>
<dl class="facts">
<dt>Last check</dt><dd>${check === undefined ? 'never run (mlc check)' : html`<span class="${checkOk ? 'ok' : 'bad'}">${checkOk ? 'all ok' : `${checkLines.filter((l) => !l.ok).length} failed`}</span> at ${shortTime(check.at)}${checkLines
      .filter((l) => !l.ok)
      .map((l) => html`<br><span class="bad">${l.system} ${l.check}: ${l.detail}</span>`)}`}</dd>
<dt>Circuits</dt><dd>${openCircuits.length === 0 ? 'all closed' : openCircuits.map((c) => html`<span class="bad">${c.writer} → ${c.target}: ${c.state} (${c.failures} failures${c.lastCode ? `, ${c.lastCode}` : ''})</span> `)}</dd>
<dt>DLQ depth</dt><dd><a href="/dlq${query({ connection: id, status: 'open' })}">${dlqOpen} open</a></dd>
<dt>Outcomes</dt><dd>${hour} last hour · ${day} last day (${failedDay} failed) ${outcomeChart(hourSeries(mine, now), `outcomes of ${id} per hour over the last day`)}</dd>
</dl>
<table><caption>Writers of ${id}</caption><thead><tr><th scope="col">Writer</th><th scope="col">Circuits</th><th scope="col">Open DLQ</th><th scope="col">Parked</th><th scope="col">Outcomes last hour</th></tr></thead><tbody>
${writers.length === 0
  ? html`<tr><td colspan="5">no writer activity</td></tr>`
  : writers.map(
      (w) => html`<tr><td>${w.writer}</td><td>${w.circuits.map((c) => `${c.target}: ${c.state}`).join(', ') || '–'}</td><td>${w.dlqOpen}${w.oldestOpenDlq ? ` (oldest ${shortTime(w.oldestOpenDlq)})` : ''}</td><td>${w.parked}</td><td>${
        Object.entries(w.outcomes)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ') || '–'
      }</td></tr>`,
    )}
</tbody></table>
<table><caption>Last poll per entity</caption><thead><tr><th scope="col">Poller</th><th scope="col">Entity</th><th scope="col">Last successful poll</th><th scope="col">Age</th><th scope="col">Last change committed</th></tr></thead><tbody>
${polls.length === 0
  ? html`<tr><td colspan="5">no polls recorded</td></tr>`
  : polls.map(
      (p) => html`<tr><td>${p.poller}</td><td>${p.stream}</td><td>${shortTime(p.lastSuccessAt)}</td><td>${p.successAgeSeconds === null ? '–' : formatAge(p.successAgeSeconds)}</td><td>${shortTime(p.committedAt)}</td></tr>`,
    )}
</tbody></table>
</section>`;
  });
  return html`<p class="muted">As of ${shortTime(status.at)}. <a href="/">Refresh</a></p>
${status.problems.length === 0 ? '' : html`<ul class="problems" aria-label="What could not be read">${status.problems.map((p) => html`<li class="bad">${p.source}: ${p.reason} ${p.detail}</li>`)}</ul>`}
${sections.length === 0 ? html`<p>No connection has any activity in the audit log yet.</p>` : sections}
<table><caption>Lag per writer</caption><thead><tr><th scope="col">Writer</th><th scope="col">Group state</th><th scope="col">Members</th><th scope="col">Lag</th><th scope="col">Per topic</th></tr></thead><tbody>
${status.writers.length === 0
  ? html`<tr><td colspan="5">no writer groups</td></tr>`
  : status.writers.map(
      (w) => html`<tr><td>${w.writer}</td><td>${w.state}</td><td>${w.members}</td><td>${w.lag}</td><td>${w.topics.map((t) => `${t.topic}: ${t.lag}`).join(', ') || '–'}</td></tr>`,
    )}
</tbody></table>`;
}

// ---------------------------------------------------------------- Trail

export interface TrailForm {
  connection?: string | undefined;
  entity?: string | undefined;
  key?: string | undefined;
  correlationId?: string | undefined;
  q?: string | undefined;
}

export interface TrailData {
  form: TrailForm;
  found?: readonly FoundRecord[] | undefined;
  items?: readonly TrailItem[] | undefined;
  nextCursor?: string | null | undefined;
  issues?: readonly string[] | undefined;
  logical: (topic: string) => string;
}

const field = (name: string, label: string, value: string | undefined, hint?: string) =>
  html`<label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${value ?? ''}"${hint ? html` placeholder="${hint}"` : ''}>`;

/** One row of the timeline: any kind of item, known or not (a new kind shows with its fields). */
function timelineRow(item: TrailItem, logical: (topic: string) => string): Html {
  const cells = (trailRow(item, logical) as unknown[] | undefined) ?? [item.at, item.kind, '', ''];
  const [at, kind, what, details] = cells.map((c) => (c === null || c === undefined ? '' : String(c as string)));
  const link =
    item.kind === 'event'
      ? html`<a href="/event${query({ topic: item.topic, partition: item.partition, offset: item.offset })}">payload</a>`
      : item.kind === 'dlq'
        ? html`<a href="/dlq/${`${logical(item.topic)}:${item.partition}:${item.offset}`}">open</a>`
        : '';
  const status = typeof item.status === 'string' ? item.status : '';
  return html`<tr class="kind-${item.kind} status-${status}"><td>${shortTime(at)}</td><td>${kind}</td><td>${what}</td><td>${details}</td><td>${link}<details><summary>fields</summary><pre>${masked(item)}</pre></details></td></tr>`;
}

export function trailPage({ form, found, items, nextCursor, issues = [], logical }: TrailData): Html {
  const searching = form.connection !== undefined || form.correlationId !== undefined;
  return html`<form class="search" method="get" action="/trail" role="search" aria-label="Find a record">
<fieldset><legend>A record</legend>${field('connection', 'Connection', form.connection)}
<label for="f-entity">Entity</label><select id="f-entity" name="entity"><option value="">–</option>${ENTITY_TYPES.map((t) => html`<option${t === form.entity ? html` selected` : ''}>${t}</option>`)}</select>
${field('key', 'Key', form.key)}</fieldset>
<fieldset><legend>or a correlation id</legend>${field('correlationId', 'Correlation id', form.correlationId)}</fieldset>
<fieldset><legend>or any number</legend>${field('q', 'Supplier, PO or invoice number', form.q)}</fieldset>
<button type="submit">Search</button>
</form>
${issues.map((i) => errorBox(i))}
${found === undefined
  ? ''
  : found.length === 0
    ? html`<p>Nothing in the audit log has the key <strong>${form.q ?? ''}</strong>.</p>`
    : html`<table><caption>Records with the key ${form.q ?? ''}</caption><thead><tr><th scope="col">Connection</th><th scope="col">Entity</th><th scope="col">Key</th><th scope="col">Events</th><th scope="col">Last seen</th></tr></thead><tbody>${found.map(
        (r) =>
          html`<tr><td>${r.connection}</td><td>${r.entityType}</td><td><a href="/trail${query({ connection: r.connection, entity: r.entityType, key: r.entityKey })}">${r.entityKey}</a></td><td>${r.events}</td><td>${shortTime(r.lastSeen)}</td></tr>`,
      )}</tbody></table>`}
${items === undefined || !searching
  ? ''
  : items.length === 0
    ? html`<p>No trail: nothing in the audit log matches.</p>`
    : html`<table class="timeline"><caption>Timeline${form.correlationId ? ` of correlation id ${form.correlationId}` : ` of ${form.connection ?? ''} ${form.entity ?? ''} ${form.key ?? ''}`}</caption>
<thead><tr><th scope="col">At</th><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Details</th><th scope="col"></th></tr></thead><tbody>${items.map((i) => timelineRow(i, logical))}</tbody></table>
${nextCursor ? html`<p><a rel="next" href="/trail${query({ ...form, q: undefined, cursor: nextCursor })}">Next page</a></p>` : ''}`}`;
}

export function eventPage(event: { topic: string; partition: number; offset: string; kafkaTs: string; headers: unknown; payload: unknown }): Html {
  return html`<p>${event.topic}:${event.partition}:${event.offset} at ${shortTime(event.kafkaTs)}. Secrets and bank details are masked.</p>
<h2>Payload</h2><pre class="payload">${masked(event.payload)}</pre>
<h2>Headers</h2><pre>${masked(event.headers)}</pre>`;
}

// ---------------------------------------------------------------- DLQ

export interface DlqForm {
  writer?: string | undefined;
  code?: string | undefined;
  connection?: string | undefined;
  status?: string | undefined;
}

export function dlqListPage({ form, entries, next, viewer, writers }: { form: DlqForm; entries: readonly ShownEntry[]; next?: string | undefined; viewer: Viewer; writers: readonly string[] }): Html {
  const operator = isOperator(viewer);
  return html`<form class="search" method="get" action="/dlq" aria-label="Filter the DLQ">
<label for="f-writer">Writer</label><select id="f-writer" name="writer"><option value="">any</option>${writers.map((w) => html`<option${w === form.writer ? html` selected` : ''}>${w}</option>`)}</select>
${field('code', 'Error code', form.code)}${field('connection', 'Connection', form.connection)}
<label for="f-status">Status</label><select id="f-status" name="status">${['', 'open', 'redriven', 'discarded'].map((s) => html`<option value="${s}"${s === (form.status ?? '') ? html` selected` : ''}>${s || 'any'}</option>`)}</select>
<button type="submit">Filter</button>
</form>
<form method="post" action="/dlq/confirm">
${csrfField(viewer)}
<table><caption>DLQ entries (oldest first)</caption><thead><tr>${operator ? html`<th scope="col"><input type="checkbox" id="select-all" aria-label="Select every entry on this page" data-select-all="ids"></th>` : ''}<th scope="col">Entry</th><th scope="col">At</th><th scope="col">Writer</th><th scope="col">Code</th><th scope="col">Connection</th><th scope="col">Record</th><th scope="col">Attempts</th><th scope="col">Status</th><th scope="col">Message</th></tr></thead><tbody>
${entries.length === 0
  ? html`<tr><td colspan="${operator ? 10 : 9}">no DLQ entries match</td></tr>`
  : entries.map(
      (e) => html`<tr>${operator ? html`<td><input type="checkbox" name="ids" value="${e.id}" aria-label="Select ${e.id}"${e.status === 'open' ? '' : html` disabled`}></td>` : ''}<td><a href="/dlq/${e.id}">${e.id}</a></td><td>${shortTime(e.kafkaTs)}</td><td>${e.component}</td><td>${e.errorCode}</td><td>${e.connection}</td><td>${e.entityType ? `${e.entityType} ${e.entityKey ?? ''}` : '–'}</td><td>${e.attempts}</td><td>${e.status}</td><td class="message">${e.errorMessage}</td></tr>`,
    )}
</tbody></table>
${operator ? html`<p class="actions"><button type="submit" name="action" value="redrive">Redrive selected…</button> <button type="submit" name="action" value="discard">Discard selected…</button></p>` : ''}
</form>
${next ? html`<p><a rel="next" href="/dlq${query({ ...form, after: next })}">Next page</a></p>` : ''}`;
}

export function dlqEntryPage({ record, viewer }: { record: ShownRecord; viewer: Viewer }): Html {
  const row = (name: string, value: string | number | null | undefined) => html`<dt>${name}</dt><dd>${value === null || value === undefined || value === '' ? '–' : value}</dd>`;
  return html`<dl class="facts">
${row('Status', `${record.status}${record.resolvedActionId ? ` (operator action #${record.resolvedActionId} at ${shortTime(record.resolvedAt)})` : ''}`)}
${row('Writer', `${record.component} (group ${record.group ?? '–'})`)}
${row('Error', `${record.errorCode ?? '–'}${record.retriable === null ? '' : record.retriable ? ' (retries ran out)' : ' (permanent)'}`)}
${row('Reason', record.errorMessage)}
${row('Attempts', record.attempts)}
${row('Dead-lettered', shortTime(record.deadLetteredAt ?? record.kafkaTs))}
${row('Original', record.sourceTopic === null ? null : `${record.sourceTopic}:${record.sourcePartition}:${record.sourceOffset}`)}
<dt>Record</dt><dd>${record.entityType && record.connection ? html`<a href="/trail${query({ connection: record.connection, entity: record.entityType, key: record.entityKey })}">${record.connection} ${record.entityType} ${record.entityKey ?? ''}</a>` : '–'}</dd>
${row('Correlation id', record.correlationId)}
</dl>
${isOperator(viewer) && record.status === 'open'
  ? html`<form method="post" action="/dlq/confirm">${csrfField(viewer)}<input type="hidden" name="ids" value="${record.id}"><button type="submit" name="action" value="redrive">Redrive…</button> <button type="submit" name="action" value="discard">Discard…</button></form>`
  : ''}
<h2>Payload (${record.original.decodedAs})</h2><pre class="payload">${typeof record.original.value === 'string' ? String(redactSecrets(record.original.value)) : masked(record.original.value)}</pre>
<h2>Headers</h2><pre>${masked(record.original.headers)}</pre>`;
}

export function dlqConfirmPage({ action, ids, viewer, error }: { action: 'redrive' | 'discard'; ids: readonly string[]; viewer: Viewer; error?: string | undefined }): Html {
  return html`${error ? errorBox(error) : ''}<form method="post" action="/dlq/${action}">
${csrfField(viewer)}
<p>${action === 'redrive' ? 'Send these entries again to the topic they came from' : 'Mark these entries discarded (nothing is sent)'}: ${ids.length} entr${ids.length === 1 ? 'y' : 'ies'}.</p>
<ul>${ids.map((id) => html`<li>${id}<input type="hidden" name="ids" value="${id}"></li>`)}</ul>
<label for="f-reason">Reason (kept in the trail)</label><textarea id="f-reason" name="reason" required rows="3" cols="60"></textarea>
<p><button type="submit">Confirm ${action}</button> <a href="/dlq">Cancel</a></p>
</form>`;
}

export function resultPage({ message, links }: { message: string; links: readonly { href: string; label: string }[] }): Html {
  return html`<p role="status">${message}</p><ul>${links.map((l) => html`<li><a href="${l.href}">${l.label}</a></li>`)}</ul>`;
}

// ---------------------------------------------------------------- Replays

export interface ReplayJob {
  id: string;
  startedAt: string;
  actor: string;
  label: string;
  force: boolean;
  total: number;
  done: number;
  state: 'running' | 'done' | 'failed';
  actionId?: string | undefined;
  error?: string | undefined;
}

export function replaysPage({ jobs, actions, nextBefore, viewer, error }: { jobs: readonly ReplayJob[]; actions: readonly ActionSummary[]; nextBefore?: string | undefined; viewer: Viewer; error?: string | undefined }): Html {
  const running = jobs.some((j) => j.state === 'running');
  return html`${error ? errorBox(error) : ''}
${isOperator(viewer)
  ? html`<form class="search" method="post" action="/replays" aria-label="Start a replay">
${csrfField(viewer)}
<fieldset><legend>Start a replay from the audit log</legend>
${field('connection', 'Connection', undefined)}
<label for="f-entity">Entity</label><select id="f-entity" name="entity"><option value="">any</option>${ENTITY_TYPES.map((t) => html`<option>${t}</option>`)}</select>
${field('keys', 'Keys (comma-separated)', undefined, 'S-1, S-2')}
${field('since', 'Since (ISO time)', undefined, '2026-11-01T00:00:00Z')}
${field('until', 'Until (ISO time)', undefined)}
<fieldset><legend>Mode</legend>
<input type="radio" id="m-republish" name="mode" value="republish" checked><label for="m-republish">Republish (writers skip what is unchanged)</label>
<input type="radio" id="m-force" name="mode" value="force"><label for="m-force">Forced re-apply (writers write again)</label>
</fieldset>
<label for="f-replay-reason">Reason</label><input id="f-replay-reason" name="reason" required>
<button type="submit">Start replay</button>
</fieldset></form>`
  : html`<p class="muted">Only operators start replays.</p>`}
<section aria-labelledby="h-running"${running ? html` data-refresh="2000"` : ''}>
<h2 id="h-running">Started here</h2>
${jobs.length === 0
  ? html`<p>No replay started since the console started.</p>`
  : html`<ul class="jobs">${jobs.map(
      (j) => html`<li>${j.label}${j.force ? ' (forced)' : ''} by ${j.actor}, ${shortTime(j.startedAt)}: <progress max="${Math.max(j.total, 1)}" value="${j.done}" aria-label="progress of ${j.label}">${j.done}/${j.total}</progress> ${j.done}/${j.total} ${j.state}${j.actionId ? ` · action #${j.actionId}` : ''}${j.error ? html` <span class="bad">${j.error}</span>` : ''}</li>`,
    )}</ul>`}
</section>
<table><caption>Past replays and other operator actions (newest first)</caption><thead><tr><th scope="col">#</th><th scope="col">At</th><th scope="col">Kind</th><th scope="col">By</th><th scope="col">Records</th><th scope="col">Reason</th><th scope="col">Selection and result</th></tr></thead><tbody>
${actions.length === 0
  ? html`<tr><td colspan="7">no operator actions yet</td></tr>`
  : actions.map(
      (a) =>
        html`<tr><td>${a.id}</td><td>${shortTime(a.at)}</td><td>${a.kind}${a.dryRun ? ' (dry run)' : ''}</td><td>${a.actor}</td><td>${a.recordCount}</td><td>${a.reason ?? ''}</td><td><details><summary>${summaryOf(a)}</summary><pre>${masked({ selection: a.selection, details: a.details })}</pre></details></td></tr>`,
    )}
</tbody></table>
${nextBefore ? html`<p><a rel="next" href="/replays${query({ before: nextBefore })}">Older</a></p>` : ''}`;
}

function summaryOf(a: ActionSummary): string {
  const s = a.selection;
  const parts = [s.connection, s.entityType, Array.isArray(s.keys) ? s.keys.join(',') : undefined].filter((p) => typeof p === 'string' && p !== '');
  const published = typeof a.details.published === 'number' ? `${a.details.published} published` : undefined;
  return [parts.join(' '), published].filter(Boolean).join(' · ') || 'details';
}

// ---------------------------------------------------------------- Sign-in

export function loginPage({ token, oidc, error, returnTo }: { token: boolean; oidc: boolean; error?: string | undefined; returnTo: string }): Html {
  return html`${error ? errorBox(error) : ''}
${oidc ? html`<p><a class="button" href="/auth/login${query({ returnTo })}">Sign in with your identity provider</a></p>` : ''}
${token
  ? html`<form method="post" action="/login"><input type="hidden" name="returnTo" value="${returnTo}">
<label for="f-token">Admin token</label><input id="f-token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in with the token</button></form>`
  : ''}`;
}
