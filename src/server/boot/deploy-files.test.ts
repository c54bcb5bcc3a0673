/**
 * deploy/agent/ holds the agent side as the discovery files write it, for sites that place it by
 * hand (or build their own image): generated from the same code, with example values, and checked
 * here to stay equal. `INBAND_WRITE_DEPLOY=1 npx vitest run src/server/boot/deploy-files.test.ts`
 * writes them anew after a change.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentEnvironment, agentUnit, FETCH_AGENT_SCRIPT } from './agent-unit.js';
import type { DiscoveryContext } from './context.js';

const DEPLOY = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../deploy/agent');

/** The example values deploy/agent/README.md tells the operator to replace. */
const EXAMPLE: DiscoveryContext = {
  infraEnvId: '00000000-0000-0000-0000-000000000000',
  agentToken: 'REPLACE-WITH-THE-AGENT-TOKEN',
  serviceUrl: 'https://inband.example.com:8090',
  delivery: {
    kind: 'binary',
    url: 'https://inband.example.com:8090/api/assisted-install/v2/agent-binaries/x86_64/inband',
    gzipUrl: 'https://inband.example.com:8090/api/assisted-install/v2/agent-binaries/x86_64/inband.gz',
    sha256: '0'.repeat(64),
    sha512: '0'.repeat(128),
  },
  serviceCaPem: 'CA',
  sshAuthorizedKeys: [],
};

const FILES: Record<string, { contents: string; mode: number }> = {
  'agent.service': { contents: agentUnit(EXAMPLE), mode: 0o644 },
  'agent-podman.service': { contents: agentUnit({ ...EXAMPLE, delivery: { kind: 'podman', image: 'quay.io/example/inband:latest' } }), mode: 0o644 },
  'inband-fetch-agent': { contents: FETCH_AGENT_SCRIPT, mode: 0o755 },
  'agent.env.example': { contents: agentEnvironment(EXAMPLE), mode: 0o644 },
};

describe('deploy/agent', () => {
  for (const [name, file] of Object.entries(FILES)) {
    it(`${name} is what the discovery files write`, () => {
      const target = path.join(DEPLOY, name);
      if (process.env.INBAND_WRITE_DEPLOY === '1') writeFileSync(target, file.contents, { mode: file.mode });
      expect(readFileSync(target, 'utf8')).toBe(file.contents);
      expect(statSync(target).mode & 0o111).toBe(file.mode & 0o111);
    });
  }
});
