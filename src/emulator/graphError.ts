/** A Graph-shaped failure; the server turns it into the standard error envelope. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function badRequest(message: string, code = 'BadRequest'): GraphError {
  return new GraphError(400, code, message);
}

export function notFound(id: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  date: string,
  clientRequestId: string | undefined,
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  // Graph's envelope always names both ids (concepts/json-batching.md's error bodies); without a
  // client-request-id from the client it echoes the request-id, as the response header does.
  const innerError: Record<string, string> = { date, 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId };
  return { error: { code, message, innerError } };
}
