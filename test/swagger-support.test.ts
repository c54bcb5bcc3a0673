import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSwagger, SWAGGER_PATH, swaggerErrors } from './support/swagger.js';
import { tempDir } from './support/temp-dir.js';

describe('swagger validation support', () => {
  it('accepts a valid step-reply and rejects a wrong type', () => {
    expect(swaggerErrors('step-reply', { step_id: 'a', step_type: 'inventory', exit_code: -1, error: 'x' })).toEqual([]);
    expect(swaggerErrors('step-reply', { step_id: 'a', step_type: 'not-a-step' }).join()).toMatch(/allowed values/);
    expect(swaggerErrors('host-create-params', { host_id: 'nope' }).join()).toMatch(/uuid/);
  });

  it('reads the contract from the repository, and fails rather than skips when it is missing or edited', () => {
    expect(SWAGGER_PATH).toBe(path.resolve(import.meta.dirname, '../spec/assisted-service-swagger.yaml'));
    expect(readSwagger(SWAGGER_PATH).startsWith("swagger: '2.0'\n")).toBe(true);
    const dir = tempDir('swagger');
    expect(() => readSwagger(path.join(dir, 'absent.yaml'))).toThrow(/ENOENT/);
    const edited = path.join(dir, 'edited.yaml');
    copyFileSync(SWAGGER_PATH, edited);
    writeFileSync(edited, '# a local edit\n', { flag: 'a' });
    expect(() => readSwagger(edited)).toThrow(/is not upstream's swagger/);
  });
});
