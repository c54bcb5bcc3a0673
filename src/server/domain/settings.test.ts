import { describe, expect, it } from 'vitest';
import { domainsOf, ntpSourcesOf } from './settings.js';
import { makeInfraEnv } from './test-support.js';

describe('infra-env settings', () => {
  it('merges both NTP fields, trimmed, in order, once each', () => {
    expect(ntpSourcesOf(makeInfraEnv({ ntpSources: ' a.example.com,10.0.0.1 ,', additionalNtpSources: '10.0.0.1,b.example.com' }))).toEqual([
      'a.example.com',
      '10.0.0.1',
      'b.example.com',
    ]);
    expect(ntpSourcesOf(makeInfraEnv({ ntpSources: ' , ' }))).toEqual([]);
    expect(ntpSourcesOf(makeInfraEnv())).toEqual([]);
  });

  it('lists names to resolve once each, keeping the trailing-dot form apart', () => {
    expect(domainsOf(makeInfraEnv({ domainsToResolve: ['api.a.b', ' API.a.b ', 'api.a.b.', '', 'x.a.b'] }))).toEqual(['api.a.b', 'api.a.b.', 'x.a.b']);
  });
});
