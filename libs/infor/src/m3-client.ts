import { MlcError, isMlcError, toMlcError } from '@mlc/errors';
import { createHttpClient, createTokenBucket, perMinute, type BearerAuth, type CreateRateLimiter, type HttpRequestOptions, type RetryOptions } from '@mlc/http';
import type { Logger } from '@mlc/log';
import type { Dispatcher } from 'undici';
import { createIonAuth, type IonAuth } from './ion-auth.js';
import type { IonApiCredentials } from './ionapi.js';
import { MiResponse, type M3Failure, type MiInput, type MiRecord } from './wire.js';

export interface ExecuteOptions {
  /** `maxrecs`; m3api-rest's default is 100, 0 means no limit. */
  maxRecords?: number;
  /** `returncols`. */
  returnColumns?: readonly string[];
  /**
   * Whether repeating the call after a 5xx or timeout is harmless. Default: true for M3's read
   * transactions (Get…, Lst…, Sel…, Search…), false otherwise, although every MI call is a GET:
   * AddHead repeated blindly can create a second order or batch. 429s are always repeated (the
   * gateway did not pass the call on).
   */
  idempotent?: boolean;
}

export interface BulkTransaction {
  transaction: string;
  record: MiInput;
}

export interface M3Client {
  /** One MI transaction; the records M3 answered, or MLC_VENDOR_REJECTED carrying M3's error. */
  execute(program: string, transaction: string, record?: MiInput, options?: ExecuteOptions): Promise<MiRecord[]>;
  /**
   * Several transactions of one program in one gateway request (one token of the rate limit).
   * M3 runs them in order and a failure does not stop the rest; if any failed, this throws
   * MLC_VENDOR_REJECTED naming each failure (`context.failures`, with the index).
   */
  bulk(program: string, transactions: readonly BulkTransaction[], options?: Omit<ExecuteOptions, 'returnColumns'>): Promise<MiRecord[][]>;
  /** Revokes our access token (call at shutdown). */
  close(): Promise<void>;
}

export interface M3ClientParams {
  credentials: IonApiCredentials;
  /** Reads the `.ionapi` credentials again (a replaced mounted file) when ION refused a token or the credentials. */
  rereadCredentials?: () => IonApiCredentials;
  /** M3 company (CONO) and division (DIVI); the service user's defaults when unset. */
  company?: string | undefined;
  division?: string | undefined;
  /** The connection's gateway allowance (ION: 100–500/min, tenant-configured). `false`: no limiter. */
  requestsPerMinute?: number | false;
  /**
   * Share of `requestsPerMinute` kept in reserve. The gateway counts arrivals in a sliding minute,
   * and arrivals jitter against our send times; sending at exactly the limit would earn the odd 429.
   */
  limiterHeadroom?: number;
  /** Builds the limiter for `requestsPerMinute`: a local token bucket by default; writers share one across replicas. */
  createLimiter?: CreateRateLimiter;
  tokenRefreshBeforeSeconds?: number;
  timeoutMs?: number;
  retry?: RetryOptions;
  dispatcher?: Dispatcher;
  /** Replaces the ION token provider (tests); by default one is built from `credentials`. */
  auth?: BearerAuth;
  now?: () => number;
  logger?: Logger;
}

const READ_TRANSACTION = /^(Get|Lst|Sel|Search)/;

/** The M3 error carried by an MLC_VENDOR_REJECTED from this client, for callers that branch on it. */
export function m3FailureOf(error: unknown): M3Failure | undefined {
  if (!isMlcError(error) || error.code !== 'MLC_VENDOR_REJECTED') return undefined;
  const m3 = error.context.m3;
  return typeof m3 === 'object' && m3 !== null ? (m3 as M3Failure) : undefined;
}

function failureError(failure: M3Failure, extra: Record<string, unknown> = {}): MlcError {
  const where = failure.errorField ? ` on ${failure.errorField}` : '';
  return new MlcError(
    'MLC_VENDOR_REJECTED',
    `M3 ${failure.program}/${failure.transaction} failed (${failure.errorType ?? 'unknown error'}${where}): ${failure.errorMessage ?? 'no message'}`,
    { context: { program: failure.program, transaction: failure.transaction, m3: failure, ...extra } },
  );
}

/**
 * The M3 MI REST client through the ION API gateway: bearer token from the `.ionapi` service
 * account, a token bucket at the connection's requests/minute (burst 1, since the gateway's window
 * slides), 429/5xx retried with backoff and Retry-After (@mlc/http), and M3's in-band business
 * errors (HTTP 200, `nrOfFailedTransactions > 0`) turned into MLC_VENDOR_REJECTED with M3's
 * errorType/errorField/errorMessage.
 */
export function createM3Client(params: M3ClientParams): M3Client {
  const {
    credentials,
    company,
    division,
    requestsPerMinute = 300,
    limiterHeadroom = 0.02,
    createLimiter = createTokenBucket,
    tokenRefreshBeforeSeconds = 300,
    timeoutMs = 30_000,
    retry,
    dispatcher,
    now,
    logger,
  } = params;
  if (!(limiterHeadroom >= 0 && limiterHeadroom < 1)) throw new RangeError('limiterHeadroom must be in [0, 1)');
  const ionAuth: IonAuth | undefined = params.auth ? undefined : createIonAuth({ credentials, rereadCredentials: params.rereadCredentials, refreshBeforeSeconds: tokenRefreshBeforeSeconds, dispatcher, timeoutMs, now, logger });
  const http = createHttpClient({
    name: `m3:${credentials.tenant}`,
    baseUrl: credentials.m3BaseUrl,
    dispatcher,
    timeoutMs,
    headers: { accept: 'application/json' },
    auth: params.auth ?? ionAuth,
    retry,
    logger,
    ...(requestsPerMinute === false
      ? {}
      : { limiter: createLimiter({ ratePerSecond: perMinute(requestsPerMinute) * (1 - limiterHeadroom), burst: 1 }) }),
  });

  async function send(program: string, transaction: string, request: HttpRequestOptions): Promise<MiResponse> {
    let response;
    try {
      // ION answers 400 with the MI envelope for an unknown program/transaction.
      response = await http.request({ ...request, acceptStatuses: [400] });
    } catch (error) {
      throw toMlcError(error, { program, transaction });
    }
    const parsed = MiResponse.safeParse(response.body);
    if (!parsed.success) {
      throw new MlcError(response.status === 400 ? 'MLC_HTTP_CLIENT_ERROR' : 'MLC_VENDOR_REJECTED', `M3 ${program}/${transaction} answered an unexpected body`, {
        context: { program, transaction, status: response.status, issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
      });
    }
    return parsed.data;
  }

  function options(opts: ExecuteOptions | undefined): Record<string, string | number | undefined> {
    return {
      cono: company,
      divi: division,
      maxrecs: opts?.maxRecords,
      returncols: opts?.returnColumns && opts.returnColumns.length > 0 ? opts.returnColumns.join(',') : undefined,
    };
  }

  return {
    async execute(program, transaction, record = {}, opts) {
      const query: Record<string, string | number | boolean | undefined> = { ...options(opts) };
      for (const [field, value] of Object.entries(record)) {
        // Upper-case query names are MI fields, lower-case ones options: never let data become an option.
        if (field !== field.toUpperCase()) throw new RangeError(`MI field names are upper case: ${field}`);
        if (value !== undefined && value !== '') query[field] = value;
      }
      const response = await send(program, transaction, {
        method: 'GET',
        path: `/execute/${encodeURIComponent(program)}/${encodeURIComponent(transaction)}`,
        query,
        idempotent: opts?.idempotent ?? READ_TRANSACTION.test(transaction),
      });
      const result = response.results[0];
      if (response.nrOfFailedTransactions > 0 || result?.errorType !== undefined) {
        throw failureError({ program, transaction, errorType: result?.errorType, errorField: result?.errorField, errorCode: result?.errorCode, errorMessage: result?.errorMessage });
      }
      return result?.records ?? [];
    },

    async bulk(program, transactions, opts) {
      if (transactions.length === 0) return [];
      const response = await send(program, transactions.map((t) => t.transaction).join(','), {
        method: 'POST',
        path: '/execute',
        json: {
          program,
          ...(company === undefined ? {} : { cono: company }),
          ...(division === undefined ? {} : { divi: division }),
          ...(opts?.maxRecords === undefined ? {} : { maxReturnedRecords: opts.maxRecords }),
          transactions: transactions.map(({ transaction, record }) => ({
            transaction,
            record: Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== '')),
          })),
        },
        idempotent: opts?.idempotent ?? transactions.every((t) => READ_TRANSACTION.test(t.transaction)),
      });
      const failures = response.results.flatMap((r, index) =>
        r.errorType === undefined ? [] : [{ index, program, transaction: r.transaction ?? transactions[index]?.transaction ?? '?', errorType: r.errorType, errorField: r.errorField, errorCode: r.errorCode, errorMessage: r.errorMessage }],
      );
      if (response.nrOfFailedTransactions > 0 || failures.length > 0) {
        const first = failures[0] ?? { index: -1, program, transaction: '?', errorType: undefined, errorField: undefined, errorCode: undefined, errorMessage: `${response.nrOfFailedTransactions} failed` };
        throw failureError(first, { failures, succeeded: response.results.length - failures.length });
      }
      return response.results.map((r) => r.records);
    },

    close: async () => {
      await ionAuth?.revoke();
    },
  };
}
