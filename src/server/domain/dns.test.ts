import { describe, expect, it } from 'vitest';
import { apiHostname, dnsValidationIdFor } from './dns.js';

describe('dnsValidationIdFor', () => {
  it('maps the names of an OpenShift cluster to the upstream ids', () => {
    expect(dnsValidationIdFor('api.ocp.example.com')).toBe('api-domain-name-resolved-correctly');
    expect(dnsValidationIdFor('API.ocp.example.com.')).toBe('api-domain-name-resolved-correctly');
    expect(dnsValidationIdFor('api-int.ocp.example.com')).toBe('api-int-domain-name-resolved-correctly');
    expect(dnsValidationIdFor('*.apps.ocp.example.com')).toBe('apps-domain-name-resolved-correctly');
    expect(dnsValidationIdFor('console-openshift-console.apps.ocp.example.com')).toBe('apps-domain-name-resolved-correctly');
  });

  it('treats the API URL host as the API name whatever its shape', () => {
    expect(dnsValidationIdFor('kube.example.com', 'https://kube.example.com:22623/config/worker')).toBe('api-domain-name-resolved-correctly');
    expect(dnsValidationIdFor('kube.example.com')).toBeUndefined();
  });

  it('has no id for names no upstream validation covers', () => {
    for (const name of ['registry.example.com', 'example.com', 'apps.example.com', 'localhost', 'myapi.example.com']) {
      expect(dnsValidationIdFor(name)).toBeUndefined();
    }
  });

  it('reads the API host name only when the URL names a host', () => {
    expect(apiHostname('http://api.ocp.example.com:22624/config/worker')).toBe('api.ocp.example.com');
    expect(apiHostname('http://10.0.0.5:22624/config/worker')).toBeUndefined();
    expect(apiHostname('http://[2001:db8::5]:22624/config')).toBeUndefined();
    expect(apiHostname('not a url')).toBeUndefined();
    expect(apiHostname(undefined)).toBeUndefined();
  });
});
