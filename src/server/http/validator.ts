/**
 * Request validation as upstream's Go server does it: a body's JSON types are taken as sent (a
 * number is not a string, "5" is not an integer), while path and query values, which are always
 * text on the wire, are converted to the schema's types. Fastify's default coerces both.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
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

/** What Go's strconv.ParseInt takes: decimal digits with an optional sign. */
const DECIMAL_INTEGER = /^[+-]?[0-9]+$/;

type SchemaNode = { type?: string | string[]; properties?: Record<string, SchemaNode>; items?: SchemaNode };

const isInteger = (node: SchemaNode | undefined): boolean => node !== undefined && ([] as string[]).concat(node.type ?? []).includes('integer');

/**
 * Ajv converts any text JavaScript reads as an integer ("1e3", "0x10", " 5"), where Go's server
 * refuses all but decimal digits; such text in an integer parameter fails as "must be integer"
 * before Ajv converts it.
 */
function decimalIntegersOnly(schema: SchemaNode, validate: ValidateFunction): ValidateFunction {
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, node]) => isInteger(node) || isInteger(node.items))
    .map(([name]) => name);
  if (integers.length === 0) return validate;
  const checked = ((data: unknown) => {
    const values = (data ?? {}) as Record<string, unknown>;
    for (const name of integers) {
      for (const value of ([] as unknown[]).concat(values[name] ?? [])) {
        if (typeof value === 'string' && !DECIMAL_INTEGER.test(value)) {
          const error: ErrorObject = { instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type: 'integer' }, message: 'must be integer' };
          checked.errors = [error];
          return false;
        }
      }
    }
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return checked;
}

export function strictValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodies = withFormats(new Ajv({ ...SHARED, coerceTypes: false }));
  const urls = withFormats(new Ajv({ ...SHARED, coerceTypes: 'array' }));
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodies.compile(schema as object) : decimalIntegersOnly(schema as SchemaNode, urls.compile(schema as object)));
}
