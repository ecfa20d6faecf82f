/** Stable codes of the OData error body `{"error":{"code","message"}}`; tests assert on these. */
export type ODataErrorCode =
  | 'FilterSyntax'
  | 'UnknownProperty'
  | 'TypeMismatch'
  | 'UnsupportedSyntax'
  | 'InvalidQueryOption'
  | 'UnknownEntitySet'
  | 'UnknownCompany'
  | 'Unauthorized';

export class ODataError extends Error {
  constructor(
    readonly code: ODataErrorCode,
    message: string,
    readonly status = 400,
    /** Character offset in the query option where the problem was found. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ODataError';
  }

  toBody(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.position === undefined ? {} : { target: `position ${this.position}` }) } };
  }
}
