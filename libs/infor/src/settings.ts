import type { InforConnection } from '@mlc/config';
import type { CreateRateLimiter } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { readIonApiFile } from './ionapi.js';
import { createM3Client, type M3Client } from './m3-client.js';

export interface FromSettingsOptions {
  logger?: Logger;
  /** The limiter for `requestsPerMinute` (writers: one bucket shared by their replicas); a local token bucket by default. */
  createLimiter?: CreateRateLimiter;
  /** Tests only: where requests go instead of the network. */
  dispatcher?: Dispatcher;
}

/**
 * The M3 client of a connection's `infor` section: its `.ionapi` file (MLC_CONFIG_INVALID when
 * unreadable), company, division and limits; every service builds it here.
 */
export function m3ClientFromSettings(settings: InforConnection, { logger, dispatcher, createLimiter }: FromSettingsOptions = {}): M3Client {
  return createM3Client({
    credentials: readIonApiFile(settings.ionapiFile),
    rereadCredentials: () => readIonApiFile(settings.ionapiFile),
    company: settings.company,
    division: settings.division,
    requestsPerMinute: settings.requestsPerMinute,
    tokenRefreshBeforeSeconds: settings.tokenRefreshBeforeSeconds,
    timeoutMs: settings.timeoutMs,
    ...(createLimiter ? { createLimiter } : {}),
    logger,
    dispatcher,
  });
}
