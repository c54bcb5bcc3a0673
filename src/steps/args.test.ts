import { describe, expect, it } from 'vitest';
import { FieldChecks, singleJsonObject } from './args.js';

describe('step argument checks', () => {
  it('reports every field problem in go-openapi\'s words', () => {
    const request = singleJsonObject(['{"api_vip_mac":"invalid_mac","interface":7}'], 'DhcpAllocationRequest');
    const checks = new FieldChecks();
    checks.mac(request, 'api_vip_mac', { required: true });
    checks.mac(request, 'ingress_vip_mac', { required: true });
    checks.string(request, 'interface', { required: true });
    expect(() => checks.done()).toThrow(
      'validation failure list:\napi_vip_mac in body must be of type mac: "invalid_mac"\ningress_vip_mac in body is required\ninterface in body must be of type string: "number"',
    );
  });

  it('refuses a wrong argument count and text that is not JSON', () => {
    expect(() => singleJsonObject([], 'X')).toThrow('expected 1 argument (the X JSON), got 0');
    expect(() => singleJsonObject(['{'], 'X')).toThrow(/^failed to unmarshal X: /);
    expect(() => singleJsonObject(['[]'], 'X')).toThrow('failed to unmarshal X: expected a JSON object');
  });
});
