/**
 * Request validation as upstream's Go server does it: a body's JSON types are taken as sent (a
 * number is not a string, "5" is not an integer), while path and query values, which are always
 * text on the wire, are converted to the schema's types. Fastify's default coerces both.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const SHARED: Options = { useDefaults: true, removeAdditional: true, allErrors: false, addUsedSchema: false };

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  return ajv;
}

export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodies = withFormats(new Ajv({ ...SHARED, coerceTypes: false }));
  const urls = withFormats(new Ajv({ ...SHARED, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : urls).compile(schema as object);
}
