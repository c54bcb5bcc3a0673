import { describe, expect, it } from 'vitest';
import { DatabaseUrlError, defaultPoolSize, parseDatabaseUrl } from './pg-connection.js';

const files: Record<string, string> = { '/etc/inband/ca.pem': 'CA PEM', '/etc/inband/client.pem': 'CLIENT PEM', '/etc/inband/client.key': 'CLIENT KEY' };
const readFile = (file: string): string => {
  const content = files[file];
  if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
  return content;
};
const parse = (url: string) => parseDatabaseUrl(url, readFile);

describe('parseDatabaseUrl: sslmode and sslrootcert as libpq reads them', () => {
  it('defaults to prefer: TLS tried without verification, plain when the server has none', () => {
    const c = parse('postgres://inband:secret@db.example.com:5432/inband');
    expect(c.sslMode).toBe('prefer');
    expect(c.fallbackToPlain).toBe(true);
    expect(c.ssl).toMatchObject({ rejectUnauthorized: false });
  });

  it('a unix socket (host=/dir, or the directory encoded as the host) gets no TLS whatever sslmode says, as with libpq', () => {
    for (const url of ['postgres://u@localhost/db?host=/run/postgresql', 'postgres://u@%2Frun%2Fpostgresql/db', 'postgres://u@localhost/db?host=/run/postgresql&sslmode=require']) {
      expect(parse(url), url).toMatchObject({ ssl: false, fallbackToPlain: false });
    }
    expect(parse('postgres://u@localhost/db?host=db.example.com').ssl).not.toBe(false);
  });

  it('disable: no TLS at all', () => {
    const c = parse('postgres://db/inband?sslmode=disable');
    expect(c.ssl).toBe(false);
    expect(c.fallbackToPlain).toBe(false);
  });

  it('require: TLS, no verification — unless sslrootcert is given, then the chain is checked (verify-ca)', () => {
    const plain = parse('postgres://db/inband?sslmode=require');
    expect(plain.ssl).toMatchObject({ rejectUnauthorized: false });
    expect(plain.fallbackToPlain).toBe(false);
    const withCa = parse('postgres://db/inband?sslmode=require&sslrootcert=/etc/inband/ca.pem');
    expect(withCa.ssl).toMatchObject({ rejectUnauthorized: true, ca: 'CA PEM' });
    const ssl = withCa.ssl as { checkServerIdentity: () => unknown };
    expect(ssl.checkServerIdentity()).toBeUndefined();
  });

  it('verify-ca checks the chain but not the name; verify-full checks both', () => {
    const ca = parse('postgres://db/inband?sslmode=verify-ca&sslrootcert=/etc/inband/ca.pem').ssl as Record<string, unknown>;
    expect(ca).toMatchObject({ rejectUnauthorized: true, ca: 'CA PEM' });
    expect(typeof ca.checkServerIdentity).toBe('function');
    const full = parse('postgres://db/inband?sslmode=verify-full&sslrootcert=/etc/inband/ca.pem').ssl as Record<string, unknown>;
    expect(full).toMatchObject({ rejectUnauthorized: true, ca: 'CA PEM' });
    // Node's own host-name check stays in place.
    expect(full.checkServerIdentity).toBeUndefined();
  });

  it('sslrootcert=system uses the system CAs; a client certificate comes from sslcert and sslkey', () => {
    const c = parse('postgres://db/inband?sslmode=verify-full&sslrootcert=system&sslcert=/etc/inband/client.pem&sslkey=/etc/inband/client.key').ssl as Record<string, unknown>;
    expect(c.ca).toBeUndefined();
    expect(c).toMatchObject({ cert: 'CLIENT PEM', key: 'CLIENT KEY', rejectUnauthorized: true });
  });

  it('hands pg the URL without the TLS parameters (pg would read them differently) and keeps the rest', () => {
    const c = parse('postgresql://inband:s3cret@db:6432/inband?sslmode=verify-full&sslrootcert=/etc/inband/ca.pem&application_name=x');
    expect(c.connectionString).toBe('postgresql://inband:s3cret@db:6432/inband?application_name=x');
    expect(c.redacted).toBe('postgresql://inband:***@db:6432/inband?sslmode=verify-full&sslrootcert=/etc/inband/ca.pem&application_name=x');
  });

  it('refuses what libpq would refuse, naming the parameter, and never echoes the password', () => {
    const refused = (url: string) => {
      try {
        parse(url);
      } catch (error) {
        expect(error).toBeInstanceOf(DatabaseUrlError);
        expect((error as Error).message).not.toContain('s3cret');
        return (error as Error).message;
      }
      throw new Error(`accepted ${url}`);
    };
    expect(refused('postgres://u:s3cret@db/x?sslmode=verify')).toMatch(/sslmode="verify".*disable, allow, prefer, require, verify-ca, verify-full/);
    expect(refused('mysql://u:s3cret@db/x')).toMatch(/must be a postgres:\/\/ URL, got a mysql: URL/);
    expect(refused('not a url s3cret')).toMatch(/not a URL/);
    expect(refused('postgres://u:s3cret@db/x?sslmode=verify-full&sslrootcert=/missing.pem')).toMatch(/sslrootcert=\/missing.pem: ENOENT/);
    expect(refused('postgres://u:s3cret@db/x?sslcert=/etc/inband/client.pem')).toMatch(/sslcert and sslkey go together/);
    expect(refused('postgres://u:s3cret@db/x?ssl=true')).toMatch(/use sslmode/);
  });
});

describe('defaultPoolSize', () => {
  it('is twice the cores plus one, at least 4 and at most 32', () => {
    expect(defaultPoolSize(2)).toBe(5);
    expect(defaultPoolSize(1)).toBe(4);
    expect(defaultPoolSize(64)).toBe(32);
  });
});
