import type { CoupaConnection } from '@mlc/config';
import type { CreateRateLimiter } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import type { CoupaApi, CoupaExportApi, CoupaListApi } from './api.js';
import { createCoupaClient } from './client.js';

export interface FromSettingsOptions {
  logger?: Logger;
  /** The limiter for `rateLimit` (writers: one bucket shared by their replicas); a local token bucket by default. */
  createLimiter?: CreateRateLimiter;
  /** Tests only: where requests go instead of the network. */
  dispatcher?: Dispatcher;
}

/** The Coupa client of a connection's `coupa` section: every service builds it here, from the same fields. */
export function coupaClientFromSettings(settings: CoupaConnection, { logger, dispatcher, createLimiter }: FromSettingsOptions = {}): CoupaApi & CoupaExportApi & CoupaListApi {
  return createCoupaClient({
    url: settings.url,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    scopes: settings.scopes,
    apiVersion: settings.apiVersion,
    timeoutMs: settings.timeoutMs,
    rateLimit: settings.rateLimit,
    ...(createLimiter ? { createLimiter } : {}),
    logger,
    dispatcher,
  });
}
