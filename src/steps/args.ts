/**
 * Step argument checks with upstream's wording. Every step of this kind takes one argument, the
 * JSON of its request model; a failure becomes the reply's error with exit code -1, in the
 * go-openapi form the service and its triage tooling already know:
 *   validation failure list:
 *   api_vip_mac in body must be of type mac: "invalid_mac"
 */
import { posix } from 'node:path';
import { StepArgsError } from '../errors.js';
import { isMac, isUuid } from '../protocol/formats.js';
import { STEP_ARG_LIMITS } from './limits.js';

export type JsonObject = Record<string, unknown>;

/** The single JSON argument, parsed; `model` names the request model in messages. */
export function singleJsonArg(args: readonly string[], model: string): unknown {
  if (args.length !== 1) throw new StepArgsError(`expected 1 argument (the ${model} JSON), got ${args.length}`);
  const text = args[0] as string;
  if (text.length > STEP_ARG_LIMITS.argumentBytes) throw new StepArgsError(`the ${model} argument is ${text.length} bytes; at most ${STEP_ARG_LIMITS.argumentBytes} are accepted`);
  try {
    return JSON.parse(args[0] as string);
  } catch (err) {
    throw new StepArgsError(`failed to unmarshal ${model}: ${(err as Error).message}`);
  }
}

/** The single argument as a JSON object. */
export function singleJsonObject(args: readonly string[], model: string): JsonObject {
  const value = singleJsonArg(args, model);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StepArgsError(`failed to unmarshal ${model}: expected a JSON object`);
  }
  return value as JsonObject;
}

/** Collects field problems in go-openapi's words and reports them all at once. */
export class FieldChecks {
  private readonly problems: string[] = [];

  constructor(private readonly where = 'body') {}

  private fail(text: string): void {
    this.problems.push(text);
  }

  private present(object: JsonObject, field: string, required: boolean): boolean {
    const value = object[field];
    if (value === undefined || value === null) {
      if (required) this.fail(`${field} in ${this.where} is required`);
      return false;
    }
    return true;
  }

  string(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    if (!this.present(object, field, options.required ?? false)) return undefined;
    const value = object[field];
    if (typeof value !== 'string') {
      this.fail(`${field} in ${this.where} must be of type string: "${typeof value}"`);
      return undefined;
    }
    if (options.required && value === '') this.fail(`${field} in ${this.where} is required`);
    return value;
  }

  boolean(object: JsonObject, field: string, options: { required?: boolean } = {}): boolean | undefined {
    if (!this.present(object, field, options.required ?? false)) return undefined;
    const value = object[field];
    if (typeof value !== 'boolean') {
      this.fail(`${field} in ${this.where} must be of type boolean: "${typeof value}"`);
      return undefined;
    }
    return value;
  }

  integer(object: JsonObject, field: string, options: { required?: boolean; minimum?: number } = {}): number | undefined {
    if (!this.present(object, field, options.required ?? false)) return undefined;
    const value = object[field];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(`${field} in ${this.where} must be of type integer: "${typeof value}"`);
      return undefined;
    }
    if (options.minimum !== undefined && value < options.minimum) this.fail(`${field} in ${this.where} should be greater than or equal to ${options.minimum}`);
    return value;
  }

  mac(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, field, options);
    if (value !== undefined && !isMac(value)) this.fail(`${field} in ${this.where} must be of type mac: "${value}"`);
    return value;
  }

  uuid(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, field, options);
    if (value !== undefined && !isUuid(value)) this.fail(`${field} in ${this.where} must be of type uuid: "${value}"`);
    return value;
  }

  stringArray(object: JsonObject, field: string, options: { required?: boolean } = {}): string[] | undefined {
    if (!this.present(object, field, options.required ?? false)) return undefined;
    const value = object[field];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      this.fail(`${field} in ${this.where} must be of type array of strings`);
      return undefined;
    }
    return value as string[];
  }

  /**
   * A directory the service names on the host (host_fs_mount_dir): absolute and already in its
   * simplest form, so `..` or a doubled slash cannot walk the step's writes somewhere else.
   */
  absolutePath(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, field, options);
    if (value === undefined || value === '') return value;
    if (!value.startsWith('/') || posix.normalize(value) !== value || /[\u0000-\u001f\u007f]/.test(value) || value.length > 4096) {
      this.fail(`${field} in ${this.where} must be an absolute path without "..", "." or empty segments: ${JSON.stringify(value.slice(0, 200))}`);
    }
    return value;
  }

  /** An http(s) URL: the only kind a step fetches. */
  httpUrl(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, field, options);
    if (value === undefined || value === '') return value;
    let ok = false;
    try {
      const url = new URL(value);
      ok = url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) this.fail(`${field} in ${this.where} must be an http or https URL: ${JSON.stringify(value.slice(0, 200))}`);
    return value;
  }

  /**
   * An interface name: it becomes an `ip` argument. Only the characters are checked here; a name
   * over the kernel's 15 is refused where it is used, with the kernel's own words, as upstream.
   */
  interfaceName(object: JsonObject, field: string, options: { required?: boolean } = {}): string | undefined {
    const value = this.string(object, field, options);
    if (value === undefined || value === '') return value;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,63}$/.test(value)) {
      this.fail(`${field} in ${this.where} must be an interface name of letters, digits and "_.:@-": ${JSON.stringify(value.slice(0, 40))}`);
    }
    return value;
  }

  /** A problem no helper above covers, in the same list. */
  add(text: string): void {
    this.fail(text);
  }

  /** Throws the whole list when anything failed. */
  done(): void {
    if (this.problems.length > 0) throw new StepArgsError(`validation failure list:\n${this.problems.join('\n')}`);
  }
}
