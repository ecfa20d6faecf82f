import type { Secret } from '@mlc/config';
import { MlcError, toMlcError } from '@mlc/errors';
import { createHttpClient, type HttpClient } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { createCallLimiter } from './call-limiter.js';
import { readBusinessObjectOutcome } from './enet-xml.js';

export interface SysproEnetClientParams {
  /** e.g. `https://host:90/SYSPROWCFService/Rest`. */
  baseUrl: string;
  http?: HttpClient;
  dispatcher?: Dispatcher;
  operator: string;
  /** A `Secret` that follows its source (store, mounted file) is read at each logon, and again after a refused one. */
  operatorPassword: string | Secret;
  companyId: string;
  companyPassword?: string | Secret;
  timeoutMs?: number;
  /** Business-object calls at once on this connection (e.net licences); default 1. */
  concurrency?: number;
  /** Calls waiting for a slot before one is refused (MLC_HTTP_RATE_LIMITED); default 100. */
  maxQueued?: number;
  logger?: Logger;
}

export interface BusinessObjectResult {
  /** The business object's XmlOut. */
  xml: string;
  warnings: string[];
}

export type SetupMethod = 'Add' | 'Update' | 'Delete';

export interface SysproEnetClient {
  setup(method: SetupMethod, businessObject: string, xmlParameters: string, xmlIn: string): Promise<BusinessObjectResult>;
  transaction(businessObject: string, xmlParameters: string, xmlIn: string): Promise<BusinessObjectResult>;
  /** Logs on now (or reuses the open session): MLC_AUTH_FAILED when SYSPRO refuses the operator (`mlc check`). */
  logon(): Promise<void>;
  /** Ends the session (frees the e.net licence); the next call logs on again. */
  logoff(): Promise<void>;
}

const BUSINESS_OBJECT = /^[A-Z]{3}[A-Z0-9]{3}$/;
const GUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
// Session problems arrive as HTTP 200 with a plain-text body (vendors.md §1.2, unconfirmed wording).
// Only a non-XML body that also talks about the session/logon counts, so a business error is never
// mistaken for an expiry and the call never re-runs because of one.
const SESSION_TEXT = /(session|user ?id|guid|log ?on|logged (on|in)|not authenticated|expired)/i;
const MESSAGE_LIMIT = 500;

type Call = { kind: 'setup'; method: SetupMethod } | { kind: 'transaction' };

const valueOf = (secret: string | Secret): string => (typeof secret === 'string' ? secret : secret.reveal());
const currentValue = (secret: string | Secret): Promise<string> => (typeof secret === 'string' ? Promise.resolve(secret) : secret.current());

/**
 * SYSPRO e.net Solutions over REST (`SYSPROWCFService/Rest`): logs on once (GET /Logon; the body is
 * the session GUID), reuses the session, and on a response that says the session is invalid logs on
 * again and retries that call once. Business-object errors become MLC_VENDOR_REJECTED with SYSPRO's
 * message. Credentials travel in the Logon query string, which @mlc/http keeps out of errors and logs.
 */
export function createSysproEnetClient({
  baseUrl,
  http,
  dispatcher,
  operator,
  operatorPassword,
  companyId,
  companyPassword = '',
  timeoutMs = 60_000,
  concurrency = 1,
  maxQueued = 100,
  logger,
}: SysproEnetClientParams): SysproEnetClient {
  if (operator.length === 0 || companyId.length === 0) throw new MlcError('MLC_CONFIG_INVALID', 'SYSPRO e.net operator and company id are required');
  const client = http ?? createHttpClient({ name: `syspro-enet:${companyId}`, baseUrl, dispatcher, timeoutMs, logger });
  const log = logger?.child({ component: 'syspro-enet', companyId });
  const limiter = createCallLimiter({ concurrency, maxQueued, name: `syspro-enet:${companyId}` });
  let session: Promise<string> | undefined;

  // `idempotent: false` for business-object calls: a Setup/Add that timed out may have been applied,
  // and repeating it blindly would add twice; the caller decides (find, then Add or Update).
  async function getText(path: string, query: Record<string, string>, context: Record<string, unknown>, idempotent = true): Promise<string> {
    try {
      const { body } = await client.request({ method: 'GET', path, query, idempotent, headers: { accept: 'application/xml, text/plain' } });
      if (typeof body === 'string') return body;
      if (body === undefined) return '';
      return JSON.stringify(body);
    } catch (error) {
      throw toMlcError(error, context);
    }
  }

  async function logon(): Promise<string> {
    const body = await getText(
      '/Logon',
      { Operator: operator, OperatorPassword: await currentValue(operatorPassword), CompanyId: companyId, CompanyPassword: await currentValue(companyPassword) },
      { call: 'Logon', companyId },
    );
    // The WCF REST binding may wrap the string (JSON quotes or <string>); the GUID is what counts.
    const guid = body.trim().replace(/^<string[^>]*>|<\/string>$/g, '').replace(/^"|"$/g, '').trim();
    if (!GUID.test(guid)) {
      // The passwords may have been rotated: the retry logs on with them read again.
      for (const secret of [operatorPassword, companyPassword]) if (typeof secret !== 'string') await secret.refresh();
      throw new MlcError('MLC_AUTH_FAILED', 'SYSPRO e.net logon refused', { context: { call: 'Logon', companyId, reply: redact(body) } });
    }
    log?.info('e.net session opened');
    return guid;
  }

  function currentSession(): Promise<string> {
    session ??= logon().catch((error: unknown) => {
      session = undefined;
      throw error;
    });
    return session;
  }

  function redact(text: string): string {
    let out = text;
    for (const secret of [operatorPassword, companyPassword].map(valueOf)) if (secret.length > 0) out = out.split(secret).join('[redacted]');
    return out.trim().slice(0, MESSAGE_LIMIT);
  }

  async function invoke(call: Call, businessObject: string, xmlParameters: string, xmlIn: string): Promise<BusinessObjectResult> {
    if (!BUSINESS_OBJECT.test(businessObject)) {
      throw new MlcError('MLC_CONFIG_INVALID', 'not a SYSPRO business object name', { context: { businessObject } });
    }
    const path = call.kind === 'setup' ? `/Setup/${call.method}` : '/Transaction/Post';
    const context = { call: path, businessObject, companyId };
    for (let attempt = 1; ; attempt++) {
      const guid = await currentSession();
      const body = await getText(path, { UserId: guid, BusinessObject: businessObject, XmlParameters: xmlParameters, XmlIn: xmlIn }, context, false);
      const text = body.trim();
      if (!text.startsWith('<')) {
        if (SESSION_TEXT.test(text)) {
          // Drop this session only if no other call replaced it meanwhile (also while we awaited it),
          // so calls that fail together on one expired session log on once between them.
          const current = session;
          if (current !== undefined && (await current.catch(() => undefined)) === guid && session === current) session = undefined;
          if (attempt === 1) {
            log?.warn({ businessObject }, 'e.net session no longer valid; logging on again');
            continue;
          }
          throw new MlcError('MLC_SESSION_EXPIRED', 'SYSPRO e.net session invalid right after logon', { context: { ...context, reply: redact(text) } });
        }
        throw new MlcError('MLC_VENDOR_REJECTED', `SYSPRO ${businessObject}: ${redact(text)}`, { context: { ...context, errors: [redact(text)] } });
      }
      const outcome = readBusinessObjectOutcome(text);
      if (outcome.errors.length > 0 || (outcome.itemsInvalid ?? 0) > 0) {
        const errors = outcome.errors.map(redact);
        throw new MlcError('MLC_VENDOR_REJECTED', `SYSPRO ${businessObject}: ${errors[0] ?? `${outcome.itemsInvalid} item(s) invalid`}`, {
          context: { ...context, errors, warnings: outcome.warnings.map(redact), itemsInvalid: outcome.itemsInvalid },
        });
      }
      return { xml: text, warnings: outcome.warnings };
    }
  }

  return {
    setup: (method, businessObject, xmlParameters, xmlIn) => limiter.run(() => invoke({ kind: 'setup', method }, businessObject, xmlParameters, xmlIn)),
    transaction: (businessObject, xmlParameters, xmlIn) => limiter.run(() => invoke({ kind: 'transaction' }, businessObject, xmlParameters, xmlIn)),
    async logon() {
      await currentSession();
    },
    async logoff() {
      const current = session;
      if (current === undefined) return;
      session = undefined;
      const guid = await current.catch(() => undefined);
      if (guid === undefined) return;
      const body = await getText('/Logoff', { UserId: guid }, { call: 'Logoff', companyId });
      // Logoff answers 0 on success and an error text otherwise (syspro-ruby logoff.rb).
      if (body.trim().replace(/^"|"$/g, '') !== '0') {
        throw new MlcError('MLC_VENDOR_REJECTED', 'SYSPRO e.net logoff failed', { context: { call: 'Logoff', companyId, reply: redact(body) } });
      }
      log?.info('e.net session closed');
    },
  };
}
