/**
 * The JSON body parser for every route: fastify's own rules (proto poisoning refused), after a
 * budget check, so a small body of many tiny values cannot hold the event loop while it parses.
 * Request bodies here are a few fields; step outputs travel as one string inside and have their
 * own, larger budget (domain/replies.ts).
 */
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { overJsonBudget, type JsonBudget } from '../domain/json-budget.js';
import { HttpError } from '../errors.js';

export const REQUEST_BODY_BUDGET: JsonBudget = { maxContainers: 1_000, maxValues: 10_000, maxDepth: 16 };

export function parseJsonBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, undefined);
    const over = overJsonBudget(text, REQUEST_BODY_BUDGET);
    if (over) return done(new HttpError(400, `the request body holds ${over}`), undefined);
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (err) {
      done(new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}
