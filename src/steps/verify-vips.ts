import { StepArgsError } from '../errors.js';
import type { CommandRunner } from '../host/command-runner.js';
import { encodeGoJson } from '../inventory/go-json.js';
import { parseNmapXml, upAddresses } from '../net/nmap-xml.js';
import { FieldChecks, singleJsonArg, type JsonObject } from './args.js';
import { checkListLength, STEP_ARG_LIMITS } from './limits.js';
import { DEFAULT_STEP_TIMEOUT_MS, failed, ok, type StepModule } from './types.js';

export interface VipToVerify {
  vip: string;
  vip_type: string;
}

export interface VerifiedVip extends VipToVerify {
  verification: 'succeeded' | 'failed';
}

// The swagger `ip` pattern: a dotted quad or something with at least two colons.
const IP_RE = /^(?:(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3})|(?:(?:[0-9a-fA-F]*:[0-9a-fA-F]*){2,}))?$/;
const VIP_TYPES = ['api', 'ingress'];
const NMAP_TIMEOUT_MS = 60_000;

export function nmapVipArgs(vip: string): string[] {
  return vip.includes(':') ? ['-6', '-sn', '-n', '-oX', '-', vip] : ['-sn', '-n', '-oX', '-', vip];
}

/** Whether anything answers on the VIP: a VIP in use by someone else must not be handed to the cluster. */
async function vipTaken(run: CommandRunner, vip: string, signal?: AbortSignal): Promise<boolean> {
  const result = await run('nmap', nmapVipArgs(vip), { timeoutMs: NMAP_TIMEOUT_MS, signal });
  if (result.exitCode !== 0) throw new Error(`failed to verify vip ${vip}: nmap exited with code ${result.exitCode}: ${result.stderr.trim()}`);
  let hosts;
  try {
    hosts = parseNmapXml(result.stdout);
  } catch (err) {
    throw new Error(`failed to verify vip ${vip}: ${(err as Error).message}`);
  }
  return upAddresses(hosts, 'ipv4').length + upAddresses(hosts, 'ipv6').length > 0;
}

/** `verify-vips`: for each requested VIP, whether it is still free. Answers in request order. */
const verifyVips: StepModule<VipToVerify[]> = {
  type: 'verify-vips',
  timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  parseArgs(args) {
    const value = singleJsonArg(args, 'verify_vips_request');
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
      throw new StepArgsError('failed to unmarshal verify_vips_request: expected a JSON array of objects');
    }
    checkListLength(value.length, STEP_ARG_LIMITS.vips, 'vips');
    const checks = new FieldChecks();
    const vips = (value as JsonObject[]).map((item, index) => {
      const vip = typeof item.vip === 'string' ? item.vip : '';
      const vipType = typeof item.vip_type === 'string' ? item.vip_type : '';
      if (!IP_RE.test(vip)) checks.add(`${index}.vip in body should match '${IP_RE.source}'`);
      // An empty VIP passes the swagger pattern but leaves nmap without a target.
      else if (vip === '') checks.add(`${index}.vip in body is required`);
      if (!VIP_TYPES.includes(vipType)) checks.add(`${index}.vip_type in body should be one of [${VIP_TYPES.join(' ')}]`);
      return { vip, vip_type: vipType };
    });
    checks.done();
    return vips;
  },
  async run(vips, ctx) {
    if (ctx.dryRun.enabled) return ok(encodeGoJson(vips.map((v) => ({ ...v, verification: 'succeeded' }))));
    try {
      const taken = await Promise.all(vips.map((v) => vipTaken(ctx.run, v.vip, ctx.signal)));
      const verified: VerifiedVip[] = vips.map((v, i) => ({ ...v, verification: taken[i] ? 'failed' : 'succeeded' }));
      return ok(encodeGoJson(verified));
    } catch (err) {
      return failed((err as Error).message);
    }
  },
};

export default verifyVips;
