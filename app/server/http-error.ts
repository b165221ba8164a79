/**
 * An error with an HTTP status and a one-line message for the client. Route handlers throw
 * it for anything the request got wrong (unknown run, bad id, malformed body); the app's
 * error handler turns it into `{ "error": message }` with that status. Anything else is a
 * bug and becomes a 500 with a generic message (the details go to the server's log).
 *
 *   throw new HttpError(404, `no run "${id}"`);
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
