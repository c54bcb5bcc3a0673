/**
 * Validates JSON against a definition of the upstream swagger (../shared/reference). The swagger is
 * data we do not maintain; when ../shared is absent, `swaggerAvailable` is false and callers skip
 * their wire-compatibility checks with a clear message.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';

const here = path.dirname(new URL(import.meta.url).pathname);
export const SWAGGER_PATH = path.resolve(here, '../../../shared/reference/assisted-service-swagger.yaml');
export const swaggerAvailable = existsSync(SWAGGER_PATH);
export const SWAGGER_SKIP_REASON = `upstream swagger not found at ${SWAGGER_PATH}; wire-compatibility checks skipped`;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function instance(): Ajv {
  if (ajv) return ajv;
  const doc = yaml.load(readFileSync(SWAGGER_PATH, 'utf8')) as { definitions: Record<string, unknown> };
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
