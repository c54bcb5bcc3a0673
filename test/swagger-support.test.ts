import { describe, expect, it } from 'vitest';
import { SWAGGER_SKIP_REASON, swaggerAvailable, swaggerErrors } from './support/swagger.js';

describe.skipIf(!swaggerAvailable)('swagger validation support', () => {
  it('accepts a valid step-reply and rejects a wrong type', () => {
    expect(swaggerErrors('step-reply', { step_id: 'a', step_type: 'inventory', exit_code: -1, error: 'x' })).toEqual([]);
    expect(swaggerErrors('step-reply', { step_id: 'a', step_type: 'not-a-step' }).join()).toMatch(/allowed values/);
    expect(swaggerErrors('host-create-params', { host_id: 'nope' }).join()).toMatch(/uuid/);
  });
});
if (!swaggerAvailable) console.warn(SWAGGER_SKIP_REASON);
