/**
 * The `warden` command. Thin like the API: parse, call the server over HTTP
 * (WARDEN_URL, WARDEN_TOKEN), print a table or --json. Areas plug in by adding
 * src/cli/commands/<area>.ts exporting `register<Area>Commands(program, ctx)` and
 * appending it to COMMAND_MODULES — one line each.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { packageVersion } from '../version.js';
import { isWardenError } from '../domain/errors.js';
import type { CliContext, RegisterCommands } from './context.js';
import { CliError, EXIT_CODES, HttpClient } from './http-client.js';
import { Output } from './output.js';
import { registerDbCommands } from './commands/db.js';
import { registerServerCommands } from './commands/server.js';
import { registerTokenCommands } from './commands/token.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerTrackingCommands } from './commands/tracking.js';
import { registerArtifactsCommands } from './commands/artifacts.js';
import { registerDatasetsCommands } from './commands/datasets.js';
import { registerJobsCommands } from './commands/jobs.js';
import { registerTrainingCommands } from './commands/training.js';
import { registerDeploymentCommands } from './commands/deployments.js';
import { registerPredictCommands } from './commands/predict.js';
import { registerAlertsCommands } from './commands/alerts.js';
import { registerRetrainingCommands } from './commands/retraining.js';
import { registerRedTeamCommands } from './commands/redteam.js';
import { registerMonitorCommands } from './commands/monitor.js';

/** Every command module, in help order. Append yours here. */
const COMMAND_MODULES: readonly RegisterCommands[] = [
  registerServerCommands,
  registerDbCommands,
  registerTokenCommands,
  registerRegistryCommands,
  registerTrackingCommands,
  registerArtifactsCommands,
  registerDatasetsCommands,
  registerJobsCommands,
  registerTrainingCommands,
  registerDeploymentCommands,
  registerPredictCommands,
  registerAlertsCommands,
  registerRetrainingCommands,
  registerRedTeamCommands,
  registerMonitorCommands,
];

interface GlobalOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('warden')
    .description('Warden: the life of the classifiers that guard the platform — registry, tracking, jobs, deployment.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--url <url>', 'server URL (default: WARDEN_URL or http://127.0.0.1:$PORT)')
    .option('--token <token>', 'bearer token (default: WARDEN_TOKEN)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  const globals = () => program.opts<GlobalOptions>();
  let cachedConfig: Config | undefined;
  const config = (): Config => {
    if (!cachedConfig) {
      const base = loadConfig();
      const { url, token } = globals();
      cachedConfig = Object.freeze({ ...base, serverUrl: url ?? base.serverUrl, clientToken: token ?? base.clientToken });
    }
    return cachedConfig;
  };
  const ctx: CliContext = {
    config,
    client: () => new HttpClient(config().serverUrl, config().clientToken),
    output: new Output(() => globals().json === true, io.stdout),
  };
  for (const register of COMMAND_MODULES) register(program, ctx);
  // Subcommands report usage errors through the same override.
  const override = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    command.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

/** Runs the CLI; resolves with the exit code (errors are printed as one `error: …` line). */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successes; commander already printed the usage problem.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`error: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    if (isWardenError(error)) {
      io.stderr(`error: ${error.code}: ${error.message}\n`);
      return error.kind === 'invalid' ? EXIT_CODES.usage : EXIT_CODES.other;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_CODES.other;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && path.resolve(script) === fileURLToPath(import.meta.url);
}

if (isEntryPoint()) {
  process.exitCode = await runCli(process.argv);
}
