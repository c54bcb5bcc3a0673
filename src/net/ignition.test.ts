import { describe, expect, it } from 'vitest';
import { decodeCaCertificate, encodeIgnition, filterIgnition, IgnitionError, KEPT_FILES, parseIgnition, QUOTED_BODY_LIMIT } from './ignition.js';

const WORKER = {
  ignition: { version: '3.1.0', config: { merge: [{ source: 'https://192.0.2.5:22623/config/worker' }] } },
  storage: {
    files: [
      { path: '/etc/kubernetes/kubeconfig', contents: { source: 'data:,kubeconfig' } },
      { path: '/etc/motd', contents: { source: 'data:,hello' } },
      { path: '/etc/kubernetes/manifests/coredns.yaml', contents: { source: 'data:,coredns' } },
    ],
    luks: [{ name: 'root', device: '/dev/disk/by-partlabel/root' }],
  },
  systemd: { units: [{ name: 'kubelet.service', enabled: true }] },
  passwd: { users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAA'] }] },
};

describe('parseIgnition', () => {
  it('accepts 3.0, 3.1 and 3.2 configs', () => {
    for (const version of ['3.0.0', '3.1.0', '3.2.0']) expect(parseIgnition(JSON.stringify({ ignition: { version } }))).toBeTruthy();
  });

  it('rejects other versions and configs without one', () => {
    expect(() => parseIgnition('{"ignition":{"version":"2.2.0"}}')).toThrow('unsupported ignition config version 2.2.0');
    expect(() => parseIgnition('{"ignition":{"version":"3.3.0"}}')).toThrow('unsupported ignition config version 3.3.0');
    expect(() => parseIgnition('{"ignition":{"version":"3.5.0-experimental"}}')).toThrow(IgnitionError);
    expect(() => parseIgnition('{"storage":{}}')).toThrow('ignition config has no ignition.version');
    expect(() => parseIgnition('{"ignition":{}}')).toThrow('ignition config has no ignition.version');
    expect(() => parseIgnition('[1,2]')).toThrow('not a JSON object');
    expect(() => parseIgnition('')).toThrow('ignition config is empty');
  });

  it('quotes a non-JSON body, cut at 512 bytes', () => {
    expect(() => parseIgnition('<html>Not here</html>')).toThrow('ignition config is not valid JSON: "<html>Not here</html>"');
    const long = `<p>${'x'.repeat(2000)}</p>`;
    let message = '';
    try {
      parseIgnition(long);
    } catch (err) {
      message = (err as Error).message;
    }
    const quoted = message.slice(message.indexOf('"'));
    expect(JSON.parse(quoted)).toBe(long.slice(0, QUOTED_BODY_LIMIT));
  });
});

describe('filterIgnition', () => {
  it('keeps only the files the service reads, drops units, keeps LUKS and the rest', () => {
    const filtered = filterIgnition(parseIgnition(JSON.stringify(WORKER)));
    expect(filtered.ignition).toEqual({ ...WORKER.ignition, version: '3.2.0' });
    const storage = filtered.storage as { files: { path: string }[]; luks: unknown };
    expect(storage.files.map((f) => f.path)).toEqual(['/etc/kubernetes/kubeconfig', '/etc/kubernetes/manifests/coredns.yaml']);
    expect(storage.files.every((f) => KEPT_FILES.includes(f.path))).toBe(true);
    expect(storage.luks).toEqual(WORKER.storage.luks);
    expect(filtered.systemd).toEqual({});
    expect(filtered.passwd).toEqual(WORKER.passwd);
  });

  it('leaves files out when none is kept, and encodes like Go', () => {
    const filtered = filterIgnition({ ignition: { version: '3.2.0' }, storage: { files: [{ path: '/etc/a' }] } });
    expect(filtered.storage).toEqual({});
    expect(encodeIgnition({ a: '<&>' })).toBe('{"a":"\\u003c\\u0026\\u003e"}');
  });
});

describe('decodeCaCertificate', () => {
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  it('takes base64 of PEM, as the service sends it, or PEM itself', () => {
    expect(decodeCaCertificate(Buffer.from(pem).toString('base64'))).toBe(pem);
    expect(decodeCaCertificate(pem)).toBe(pem);
    expect(() => decodeCaCertificate('bm90IGEgY2VydA==')).toThrow('no PEM certificate');
  });
});
