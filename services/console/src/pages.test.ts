import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrailItem } from '@mlc/audit';
import { hourSeries, outcomeChart } from './chart.js';
import { html, layout } from './html.js';
import { dlqListPage, masked, trailPage } from './pages.js';

const reader = { name: 'Rory', role: 'reader' as const, csrf: 'csrf-token-of-rory-0123456789' };
const operator = { ...reader, name: 'Olivia', role: 'operator' as const };

test('html escapes every value that is not markup', () => {
  assert.equal(html`<p>${'<script>"x"&\''}</p>`.value, '<p>&lt;script&gt;&quot;x&quot;&amp;&#39;</p>');
  assert.equal(html`<p>${html`<b>ok</b>`}${null}${undefined}${false}${[1, 'a']}</p>`.value, '<p><b>ok</b>1a</p>');
});

test('payloads are shown with secrets and bank details masked', () => {
  const text = masked({ data: { name: 'Acme', bank: { iban: 'ZA00' }, contact: { password: 'p' } }, headers: { authorization: 'Bearer abc' } });
  assert.match(text, /Acme/);
  assert.doesNotMatch(text, /ZA00|"p"|abc/);
});

test('the DLQ list: checkboxes and action buttons for operators only', () => {
  const entry = { id: 'coupa-writer.dlq.v1:0:5', kafkaTs: '2026-11-29T10:00:00.000000Z', component: 'coupa-writer', errorCode: 'MLC_VENDOR_REJECTED', errorMessage: '<b>no</b>', connection: 'acme', entityType: 'supplier', entityKey: 'S-1', attempts: 3, status: 'open' } as never;
  const forReader = dlqListPage({ form: {}, entries: [entry], viewer: reader, writers: ['coupa-writer'] }).value;
  assert.doesNotMatch(forReader, /Redrive selected|type="checkbox"/);
  assert.match(forReader, /&lt;b&gt;no&lt;\/b&gt;/);
  const forOperator = dlqListPage({ form: {}, entries: [entry], viewer: operator, writers: ['coupa-writer'], next: 'x@y' }).value;
  assert.match(forOperator, /Redrive selected/);
  assert.match(forOperator, /name="ids" value="coupa-writer.dlq.v1:0:5"/);
  assert.match(forOperator, /name="_csrf" value="csrf-token-of-rory-0123456789"/);
  assert.match(forOperator, /href="\/dlq\?after=x%40y"/);
});

test('the trail renders every kind, a kind it does not know (a reconcile report) with its fields', () => {
  const items: TrailItem[] = [
    { kind: 'outcome', at: '2026-11-29T10:00:00.000000Z', topic: 't', partition: 0, offset: '1', writer: 'coupa-writer', status: 'created', direction: 'syspro → coupa', target: { system: 'coupa', id: '7' }, attempts: 1 },
    { kind: 'action', at: '2026-11-29T10:01:00.000000Z', topic: '', partition: 0, offset: '9', action: 'reconcile', actor: 'mlc', actionId: '9', recordCount: 3, reason: 'nightly' },
    { kind: 'report' as never, at: '2026-11-29T10:02:00.000000Z', topic: '', partition: 0, offset: '10', differences: 2 },
  ];
  const page = trailPage({ form: { connection: 'acme', entity: 'supplier', key: 'S-1' }, items, nextCursor: 'abc', logical: (t) => t }).value;
  assert.match(page, /syspro → coupa/);
  assert.match(page, /reconcile · by mlc/);
  assert.match(page, /&quot;differences&quot;: 2/);
  assert.match(page, /rel="next" href="\/trail\?connection=acme&amp;entity=supplier&amp;key=S-1&amp;cursor=abc"/);
});

test('the outcome chart: 24 hourly slots ending with the current hour, stacked by kind', () => {
  const now = new Date('2026-11-29T12:34:00Z');
  const series = hourSeries(
    [
      { hour: '2026-11-29T12:00:00Z', status: 'created', count: 3 },
      { hour: '2026-11-29T12:00:00Z', status: 'failed', count: 1 },
      { hour: '2026-11-28T13:00:00Z', status: 'echo', count: 2 },
      { hour: '2026-11-28T12:00:00Z', status: 'created', count: 99 },
    ],
    now,
  );
  assert.equal(series.length, 24);
  assert.deepEqual(series.at(-1), { hour: '2026-11-29T12:00:00Z', ok: 3, failed: 1, other: 0 });
  assert.deepEqual(series[0], { hour: '2026-11-28T13:00:00Z', ok: 2, failed: 0, other: 0 });
  const svg = outcomeChart(series, 'outcomes').value;
  assert.equal((svg.match(/<rect /g) ?? []).length, 3);
  assert.match(svg, /role="img" aria-label="outcomes"/);
});

test('the layout marks the current section and carries the sign-out form with the CSRF token', () => {
  const page = layout({ title: 'DLQ', section: 'dlq', viewer: operator, body: html`<p>x</p>` }).value;
  assert.match(page, /<a href="\/dlq" aria-current="page">DLQ<\/a>/);
  assert.match(page, /action="\/logout"/);
  assert.match(page, /Skip to content/);
});
