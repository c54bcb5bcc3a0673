import path from 'node:path';
import yargs, { type Argv } from 'yargs';
import { ExitError, UsageError } from './errors.js';
import { ApiError, MalformedResponseError, NetworkError } from './client/api-error.js';
import { normalizeGoFlags } from './cli/go-flags.js';
import { ALL_TOOLS, AGENT_TOOLS, SELF_NAMES, STEP_TOOLS, findTool, type ToolSpec } from './cli/tools.js';
import { dryRunConfig, dryRunOptions, loggingOptions, serviceFlags, serviceOptions, withOptions, type ParsedArgs } from './cli/options.js';
import { withCommandRuntime } from './commands/runtime.js';
import { inventoryBuilder, inventoryCommand } from './commands/inventory.js';
import { logsSenderBuilder, logsSenderCommand } from './commands/logs-sender.js';
import { registerServiceCommands } from './cli/service-commands.js';
import { lldpOptions, lldpSettings } from './cli/lldp-options.js';
import { terminalSafe } from './util/terminal-safe.js';
import { VERSION } from './version.js';

/** Commands of the bundled service and its operator CLI; they are sub-commands only, with no symlinks. */
const SERVICE_COMMANDS = ['serve', 'infra-env', 'hosts', 'events'];
const COMMAND_NAMES = [...ALL_TOOLS.map((tool) => tool.name), ...SERVICE_COMMANDS];

/**
 * The program's entry: picks the tool from the name it was invoked through (busybox style) or from
 * the first argument, parses flags, runs the command and returns the process exit code. Errors of
 * every kind end here and become a message and an exit code; nothing else calls process.exit.
 */
export async function main(rawArgs: readonly string[], invokedAs: string): Promise<number> {
  try {
    return await dispatch(rawArgs, invokedAs);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.help ? `${err.help}\n\n` : ''}${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ExitError) {
      process.stderr.write(`inband: ${err.message}\n`);
      return err.exitCode;
    }
    // A service that refused or could not be reached: the message says which and why, in the
    // service's own words, which may quote what an agent sent.
    if (err instanceof ApiError || err instanceof NetworkError || err instanceof MalformedResponseError) {
      process.stderr.write(`inband: ${terminalSafe(err.message)}\n`);
      return 1;
    }
    process.stderr.write(`inband: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

function toolArgs(rawArgs: readonly string[], invokedAs: string): string[] {
  const name = path.basename(invokedAs);
  if (SELF_NAMES.has(name)) return [...rawArgs];
  if (findTool(name)) return [name, ...rawArgs];
  throw new UsageError(`unknown binary name ${name}, expected one of: inband, ${COMMAND_NAMES.join(', ')}`);
}

async function dispatch(rawArgs: readonly string[], invokedAs: string): Promise<number> {
  const args = normalizeGoFlags(toolArgs(rawArgs, invokedAs));
  const first = args.find((arg) => !arg.startsWith('-'));
  if (first !== undefined && !findTool(first) && !SERVICE_COMMANDS.includes(first) && args[0] === first) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}; valid commands: ${COMMAND_NAMES.join(', ')}`);
  }

  let exitCode = 0;
  const parser = yargs(args)
    .scriptName('inband')
    .usage(
      [
        'inband <command> [flags]',
        '',
        'In-band discovery agent for bare-metal provisioning, wire-compatible with the',
        'Assisted Installer Service. Every command also runs when the binary is invoked',
        'through a symlink of that name (busybox style).',
      ].join('\n'),
    )
    .parserConfiguration({ 'camel-case-expansion': false, 'dot-notation': false, 'parse-positional-numbers': false })
    .strict()
    .demandCommand(1, `Name a command: ${COMMAND_NAMES.join(', ')}`)
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((message, err, failed) => {
      if (err) throw err;
      let help = '';
      failed.showHelp((text: string) => {
        help = text;
      });
      throw new UsageError(message, help);
    });

  for (const tool of AGENT_TOOLS) {
    parser.command(
      tool.name,
      tool.describe,
      (y: Argv) => withOptions(y, serviceOptions(), loggingOptions(), dryRunOptions(), hostRootOption(), lldpOptions({ wait: false })),
      async (argv: ParsedArgs) => {
        exitCode = await withUsage(parser, () => runAgentTool(tool, argv));
      },
    );
  }
  parser.command('inventory', findTool('inventory')?.describe ?? '', inventoryBuilder, async (argv: ParsedArgs) => {
    exitCode = await withUsage(parser, () => inventoryCommand(argv));
  });
  // logs_sender talks to the service with upstream's flags rather than taking a step request.
  parser.command('logs_sender', findTool('logs_sender')?.describe ?? '', logsSenderBuilder, async (argv: ParsedArgs) => {
    exitCode = await withUsage(parser, () => logsSenderCommand(argv));
  });
  for (const tool of STEP_TOOLS.filter((t) => t.name !== 'inventory' && t.name !== 'logs_sender')) {
    parser.command(
      `${tool.name} [request]`,
      tool.describe,
      (y: Argv) =>
        withOptions(
          y
            .positional('request', { type: 'string', describe: `the ${tool.stepType} request as JSON, as the service sends it` })
            .option('request', { type: 'string', describe: 'the request as JSON (alternative to the positional form)' }),
          loggingOptions(),
          dryRunOptions(),
          hostRootOption(),
        ),
      async (argv: ParsedArgs) => {
        exitCode = await withUsage(parser, () => runStepTool(tool, argv));
      },
    );
  }
  registerServiceCommands(parser, (run) => async (argv: ParsedArgs) => {
    exitCode = await withUsage(parser, () => run(argv));
  });
  await parser.parseAsync();
  return exitCode;
}

/** Flag checks done after parsing (a missing --url, say) print the command's usage like yargs' own. */
async function withUsage(parser: Argv, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError && !err.help) {
      let help = '';
      parser.showHelp((text: string) => {
        help = text;
      });
      throw new UsageError(err.message, help);
    }
    throw err;
  }
}

function hostRootOption() {
  return {
    'host-root': {
      type: 'string' as const,
      default: process.env.INBAND_HOST_ROOT ?? '/',
      describe: 'where the host\'s /sys, /proc, /dev and /etc are (e.g. /host in a container)',
    },
  };
}

async function runAgentTool(tool: ToolSpec, argv: ParsedArgs): Promise<number> {
  const flags = serviceFlags(argv);
  const dryRun = dryRunConfig(argv);
  const lldp = lldpSettings(argv);
  return withCommandRuntime(tool.logName, argv, async (log, signal) => {
    if (tool.name === 'agent') {
      const { agentCommand } = await import('./commands/agent.js');
      return agentCommand(flags, dryRun, log, signal, String(argv['host-root']), lldp);
    }
    const { nextStepRunnerCommand } = await import('./commands/next-step-runner.js');
    return nextStepRunnerCommand(flags, dryRun, log, signal, String(argv['host-root']), lldp);
  });
}

async function runStepTool(tool: ToolSpec, argv: ParsedArgs): Promise<number> {
  const request = argv.request === undefined ? undefined : String(argv.request);
  const dryRun = dryRunConfig(argv);
  return withCommandRuntime(tool.logName, argv, async (log, signal) => {
    const { stepToolCommand } = await import('./commands/step-tool.js');
    return stepToolCommand({ tool, args: request === undefined ? [] : [request], dryRun, log, hostRoot: String(argv['host-root']), signal });
  });
}
