/**
 * A failure e.net reports instead of business-object output (bad session, denied object, bad XML).
 * On the REST binding it travels as HTTP 200 with a text body starting "ERROR" (see docs/syspro.md).
 */
export type EnetErrorCode = 'LOGON_FAILED' | 'INVALID_SESSION' | 'ACCESS_DENIED' | 'UNKNOWN_BUSINESS_OBJECT' | 'UNSUPPORTED_METHOD' | 'INVALID_XML' | 'MISSING_PARAMETER';

export class EnetError extends Error {
  constructor(
    readonly code: EnetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EnetError';
  }
}
