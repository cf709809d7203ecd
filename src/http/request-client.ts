import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientIdentity } from '../core/client-identity.js';

// The client a request's token named, on the request itself, for its log rows.
const property = 'gemgateClient';
type Holder = { [property]: ClientIdentity | null };

/** Declares the property up front, so every request object keeps one shape. */
export function declareRequestClient(app: FastifyInstance): void {
  app.decorateRequest(property, null);
}

export function rememberClient(request: FastifyRequest, client: ClientIdentity): void {
  (request as unknown as Holder)[property] = client;
}

/** The client the request's token named; null before the token was checked. */
export function clientOf(request: FastifyRequest): ClientIdentity | null {
  return (request as unknown as Holder)[property] ?? null;
}
