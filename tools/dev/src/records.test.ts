import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countsObject, flowCounts, mergeCounts, parseSamples, renderCounts } from './records.js';

// As prom-client writes them (a writer, a poller, the gateway), with a topic prefix.
const writer = `# HELP mlc_consumer_messages_total Messages finished by the consumer runtime, by outcome status
# TYPE mlc_consumer_messages_total counter
mlc_consumer_messages_total{group="t1.infor-writer",topic="t1.coupa.suppliers.v1",status="created"} 3
mlc_consumer_messages_total{group="t1.infor-writer",topic="t1.coupa.suppliers.v1",status="dead-lettered"} 1
mlc_consumer_messages_total{group="t1.infor-writer",topic="t1.coupa.purchase-orders.v1",status="unchanged"} 0
mlc_consumer_handler_duration_seconds_bucket{le="0.001",group="t1.infor-writer",topic="t1.coupa.suppliers.v1"} 2
`;
const poller = `mlc_syspro_events_published_total{connection="sandbox",entity="supplier"} 12
mlc_syspro_events_published_total{connection="other",entity="supplier"} 2
mlc_syspro_rows_read_total{connection="sandbox",entity="supplier",stream="main"} 40
`;
const gateway = `coupa_gateway_requests_total{connection="sandbox",outcome="published"} 4
coupa_gateway_requests_total{connection="sandbox",outcome="unauthorized"} 1
`;

test('parseSamples reads names, labels (escapes included) and values, skipping comments', () => {
  assert.deepEqual(parseSamples('# HELP x y\nx{a="1",b="q\\"uote"} 2.5\ny 7\n'), [
    { name: 'x', labels: { a: '1', b: 'q"uote' }, value: 2.5 },
    { name: 'y', labels: {}, value: 7 },
  ]);
});

test('flows: writers by outcome status, pollers by events published, the gateway by call-out outcome', () => {
  const counts = mergeCounts([flowCounts(writer, 't1.'), flowCounts(poller, 't1.'), flowCounts(gateway, 't1.')]);
  assert.deepEqual(countsObject(counts), {
    'Coupa → coupa-gateway': { published: 4, unauthorized: 1 },
    'SYSPRO → syspro.suppliers': { published: 14 },
    'coupa.suppliers → infor-writer': { created: 3, 'dead-lettered': 1 },
  });
});

test('renderCounts: one aligned line per flow with its total; nothing before anything moved', () => {
  assert.equal(renderCounts(new Map()), undefined);
  assert.deepEqual(renderCounts(mergeCounts([flowCounts(writer, 't1.'), flowCounts(gateway)])), [
    'Coupa → coupa-gateway                5  4 published, 1 unauthorized',
    'coupa.suppliers → infor-writer       4  3 created, 1 dead-lettered',
  ]);
});
