/**
 * Validates Ignition configs against the v3.4 JSON Schema of coreos/ignition, the byte-exact copy
 * in spec/ (draft-04, hence ajv-draft-04). A missing or altered copy fails, it never skips.
 */
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import { readPinnedFile } from './pinned-file.js';

const here = path.dirname(new URL(import.meta.url).pathname);
export const IGNITION_SCHEMA_PATH = path.resolve(here, '../../spec/ignition-v3_4.schema.json');
export const IGNITION_SCHEMA_SHA256 = 'fd11b49158b0dace3a3ab7b7bc55948174e74b84b136c9b68392cf5d7c0575e0';

type Validate = ReturnType<Ajv['compile']>;
const validators = new Map<boolean, Validate>();

/**
 * The schema leaves objects open (Ignition only warns about unknown keys, and a misspelt key is
 * then silently ignored on the host). The strict form closes every object that lists its
 * properties, so a misspelling fails the test; the file itself is untouched. Objects composed with
 * `allOf` (a file is a node plus its own fields) are closed over the union of their branches'
 * properties, and the branches are left open.
 */
type SchemaNode = Record<string, unknown>;

function resolve(root: SchemaNode, ref: string): SchemaNode {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<SchemaNode>((node, key) => node[key] as SchemaNode, root);
}

function allOfBranchRefs(node: unknown, found = new Set<string>()): Set<string> {
  if (node === null || typeof node !== 'object') return found;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'allOf' && Array.isArray(value)) for (const branch of value as SchemaNode[]) if (typeof branch.$ref === 'string') found.add(branch.$ref);
    allOfBranchRefs(value, found);
  }
  return found;
}

function closeObjects(root: SchemaNode): SchemaNode {
  const branches = allOfBranchRefs(root);
  const walk = (node: unknown, pointer: string, branch = false): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${pointer}/${i}`, branch));
    if (node === null || typeof node !== 'object') return node;
    const copy: SchemaNode = {};
    for (const [key, value] of Object.entries(node)) copy[key] = walk(value, `${pointer}/${key}`, key === 'allOf');
    if (Array.isArray(copy.allOf)) {
      const keys = (node as { allOf: SchemaNode[] }).allOf.flatMap((branch) => {
        const target = typeof branch.$ref === 'string' ? resolve(root, branch.$ref) : branch;
        return Object.keys((target.properties as SchemaNode | undefined) ?? {});
      });
      copy.properties = { ...Object.fromEntries(keys.map((k) => [k, {}])), ...((copy.properties as SchemaNode | undefined) ?? {}) };
      copy.additionalProperties = false;
    } else if (copy.properties && copy.additionalProperties === undefined && !branch && !branches.has(pointer)) {
      copy.additionalProperties = false;
    }
    return copy;
  };
  return walk(root, '#') as SchemaNode;
}

function validator(strict: boolean): Validate {
  let validate = validators.get(strict);
  if (!validate) {
    const schema = JSON.parse(readPinnedFile(IGNITION_SCHEMA_PATH, IGNITION_SCHEMA_SHA256, "coreos/ignition's v3.4 schema").toString('utf8')) as object;
    validate = new Ajv({ allErrors: true, strict: false }).compile(strict ? closeObjects(schema as SchemaNode) : schema);
    validators.set(strict, validate);
  }
  return validate;
}

/** ajv's error texts for `config` (by default also for keys the schema does not define), [] when valid. */
export function ignitionErrors(config: unknown, options: { strict?: boolean } = {}): string[] {
  const validate = validator(options.strict ?? true);
  if (validate(config)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
