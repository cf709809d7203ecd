import type { FastifyReply } from 'fastify';
import { createGeminiErrorBody } from '../protocols/gemini/gemini-error.js';

const jsonType = 'application/json; charset=UTF-8';

/** Answers with the gateway's own error in Google's shape (`{error: {code, message, status}}`). */
export function sendGeminiError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .code(status)
    .header('content-type', jsonType)
    .send(JSON.stringify(createGeminiErrorBody(status, message)));
}

/** A body that is not a JSON object: Google answers it with a 400, so the gateway spares the call. */
export const sendNotJsonObject = (reply: FastifyReply) =>
  sendGeminiError(reply, 400, 'Invalid JSON payload received: the request body must be a JSON object.');
