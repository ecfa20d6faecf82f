import type { SysproConnection } from '@mlc/config';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { createSysproEnetClient, type SysproEnetClient } from './enet-session.js';
import { createSysproODataClient, type SysproODataClient } from './odata-client.js';

export interface FromSettingsOptions {
  logger?: Logger;
  /** Tests only: where requests go instead of the network. */
  dispatcher?: Dispatcher;
}

/** The OData (read side) client of a connection's `syspro.odata` settings, built the same way by every service. */
export function sysproODataClientFromSettings(odata: SysproConnection['odata'], { logger, dispatcher }: FromSettingsOptions = {}): SysproODataClient {
  return createSysproODataClient({
    baseUrl: odata.url,
    company: odata.company,
    username: odata.username,
    password: odata.password,
    pageSize: odata.pageSize,
    timeoutMs: odata.timeoutMs,
    logger,
    dispatcher,
  });
}

/** The e.net (write side) client of a connection's `syspro.enet` settings, built the same way by every service. */
export function sysproEnetClientFromSettings(
  enet: NonNullable<SysproConnection['enet']>,
  { logger, dispatcher }: FromSettingsOptions = {},
): SysproEnetClient {
  return createSysproEnetClient({
    baseUrl: enet.url,
    operator: enet.operator,
    operatorPassword: enet.operatorPassword,
    companyId: enet.companyId,
    companyPassword: enet.companyPassword,
    timeoutMs: enet.timeoutMs,
    concurrency: enet.concurrency,
    maxQueued: enet.maxQueued,
    logger,
    dispatcher,
  });
}
