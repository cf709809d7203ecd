/**
 * A client request a surface cannot translate (a field of the wrong type, a value it cannot say in
 * Gemini's terms): the client's error, answered in its protocol's shape by the route that caught it.
 */
export class RequestError extends Error {
  constructor(
    message: string,
    /** The request field at fault, when there is one (`messages[0].content`). */
    readonly param: string | null = null,
    readonly status = 400,
    /** A machine-readable code of the client's protocol (OpenAI's `invalid_type`), when it has one. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}
