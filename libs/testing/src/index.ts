export { uniqueName, uniqueIdentifier } from './names.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export { testInfra, type TestInfra } from './infra.js';
export { isolatedSchemaUrl } from './schema.js';
export { createTestTopics, waitCaughtUp, type TestTopic } from './kafka.js';
export { freePort, killChild, spawnService, startReadyService, type SpawnServiceOptions } from './service-process.js';
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchChromium } from './browser.js';
