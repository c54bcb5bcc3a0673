/**
 * Request validation as upstream's Go server does it: a body's JSON types are taken as sent (a
 * number is not a string, "5" is not an integer), while path and query values, which are always
 * text on the wire, are converted to the schema's types. Fastify's default coerces both.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const SHARED: Options = { useDefaults: true, removeAdditional: true, allErrors: false, addUsedSchema: false };

/**
 * ajv-formats' uuid also takes "urn:uuid:…", which would register one host under a second ID (and
 * put the prefix into hrefs and file paths); only the plain 8-4-4-4-12 form is a host or infra-env ID.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function withFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  ajv.addFormat('uuid', UUID);
  return ajv;
}

export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodies = withFormats(new Ajv({ ...SHARED, coerceTypes: false }));
  const urls = withFormats(new Ajv({ ...SHARED, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies : urls).compile(schema as object);
}
