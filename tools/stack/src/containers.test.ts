import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kafkaContainerEnv } from './containers.js';

test('broker properties become apache/kafka image variables', () => {
  assert.deepEqual(
    kafkaContainerEnv({ 'offsets.topic.replication.factor': 1, 'listener.security.protocol.map': 'A:B', 'x_y-z': true }),
    {
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'A:B',
      KAFKA_X__Y___Z: 'true',
    },
  );
});
