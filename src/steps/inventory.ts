import { StepArgsError } from '../errors.js';
import { openHost } from '../host/host-access.js';
import { collectInventory, encodeInventory } from '../inventory/collect.js';
import { isUuid } from '../protocol/formats.js';
import { DEFAULT_STEP_TIMEOUT_MS, ok, type StepModule } from './types.js';

export interface InventoryArgs {
  hostId: string;
}

/** Go's %v of a []string: [a b c]. */
function goStringSlice(args: readonly string[]): string {
  return `[${args.join(' ')}]`;
}

/** `inventory`: the host's hardware and network inventory. The one argument is the host's ID. */
const inventoryStep: StepModule<InventoryArgs> = {
  type: 'inventory',
  timeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  parseArgs(args) {
    if (args.length !== 1) throw new StepArgsError(`inventory cmd accepts only 1 params in args, given args ${goStringSlice(args)}`);
    const hostId = args[0] as string;
    if (!isUuid(hostId)) throw new StepArgsError(`validation failure list:\nhost_id in body must be of type uuid: "${hostId}"`);
    return { hostId };
  },
  async run(_args, ctx) {
    // The host root decides, as for `inband inventory`: a recorded fixture replays its tools,
    // anything else is read live with the context's runner.
    const host = await openHost(ctx.hostFs.root, { liveRunner: ctx.run });
    const inventory = await collectInventory({ ...host, log: ctx.log, dryRun: ctx.dryRun, signal: ctx.signal, lldp: ctx.lldp });
    return ok(encodeInventory(inventory));
  },
};

export default inventoryStep;
