/**
 * Validates JSON against a definition of the upstream swagger, the byte-exact copy in spec/ (see
 * spec/README.md). It travels with the project: a missing or altered copy fails, it never skips.
 */
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import { readPinnedFile } from './pinned-file.js';

const here = path.dirname(new URL(import.meta.url).pathname);
export const SWAGGER_PATH = path.resolve(here, '../../spec/assisted-service-swagger.yaml');
/** spec/README.md records this digest of upstream's file at the commit it was taken from. */
export const SWAGGER_SHA256 = '9d0b4936ca97ad5f827f3d45e6f842fc737a7a2626ed5a7026ad96480c54d87f';

/** The contract's text, refused unless it is upstream's file byte for byte. */
export function readSwagger(file: string): string {
  return readPinnedFile(file, SWAGGER_SHA256, "upstream's swagger").toString('utf8');
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  const doc = yaml.load(readSwagger(SWAGGER_PATH)) as { definitions: Record<string, unknown> };
  // Swagger 2.0 schemas are close to draft-04; vendor extensions (x-nullable, x-go-*) are not keywords.
  ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('mac', /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/);
  for (const format of ['int32', 'int64', 'float', 'double', 'cidr', 'byte', 'hostname', 'binary', 'password']) {
    ajv.addFormat(format, () => true);
  }
  ajv.addSchema({ $id: 'swagger', definitions: doc.definitions });
  return ajv;
}

/** Checks `value` against `#/definitions/<name>`; returns ajv's error texts, [] when valid. */
export function swaggerErrors(definition: string, value: unknown): string[] {
  let validate = compiled.get(definition);
  if (!validate) {
    const found = instance().getSchema(`swagger#/definitions/${definition}`);
    if (!found) throw new Error(`swagger has no definition ${definition}`);
    validate = found;
    compiled.set(definition, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

interface SchemaNode {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/**
 * `value` with only the fields `#/definitions/<name>` declares, at every depth: what upstream's
 * service decodes. Our extensions (src/inventory/extensions.ts) are dropped, so a comparison of
 * upstream's fields is unaffected by them.
 */
export function upstreamFieldsOnly(definition: string, value: unknown): unknown {
  const doc = yaml.load(readSwagger(SWAGGER_PATH)) as { definitions: Record<string, SchemaNode> };
  const project = (schema: SchemaNode | undefined, node: unknown): unknown => {
    if (schema?.$ref) return project(doc.definitions[schema.$ref.replace('#/definitions/', '')], node);
    if (Array.isArray(node)) return schema?.items ? node.map((item) => project(schema.items, item)) : node;
    if (node === null || typeof node !== 'object' || !schema?.properties) return node;
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(node)) {
      const declared = schema.properties[key];
      if (declared) out[key] = project(declared, field);
    }
    return out;
  };
  return project({ $ref: `#/definitions/${definition}` }, value);
}
