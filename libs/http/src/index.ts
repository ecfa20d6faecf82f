export { createHttpClient, type HttpClientParams } from './client.js';
export { fetchOAuth2Token, type FetchOAuth2TokenParams } from './oauth2.js';
export {
  createLeasedRateLimiter,
  fallbackShare,
  leaseWant,
  maxLeaseSize,
  refillWaitMs,
  sharedCapacity,
  type CreateRateLimiter,
  type Lease,
  type LeaseSource,
  type LeasedRateLimiterParams,
  type RateLimit,
} from './leased-limiter.js';
export { type RetryOptions, type RetryPolicy } from './retry.js';
export {
  createTokenBucket,
  perMinute,
  type TokenBucket,
  type TokenBucketParams,
} from './token-bucket.js';
export { createTokenProvider, type FetchedToken, type TokenProvider, type TokenProviderParams } from './token-provider.js';
export type {
  BearerAuth,
  HttpClient,
  HttpMethod,
  HttpRequestOptions,
  HttpResponse,
  QueryValue,
  RateLimiter,
  ResponseHeaders,
  Sleep,
} from './types.js';
export { httpMetrics, registerHttpMetrics } from './metrics.js';
