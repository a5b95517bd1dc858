import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { HttpClient } from './http-client.js';
import type { Output } from './output.js';

/** What every command gets; values read the global options at action time. */
export interface CliContext {
  /** The validated configuration (env), with --url/--token applied to serverUrl/clientToken. */
  config(): Config;
  /** A client for the server at WARDEN_URL (or --url) with WARDEN_TOKEN (or --token). */
  client(): HttpClient;
  readonly output: Output;
}

/**
 * A command module (src/cli/commands/<area>.ts) exports `register<Area>Commands`
 * with this signature and is listed in COMMAND_MODULES in src/cli/index.ts.
 */
export type RegisterCommands = (program: Command, ctx: CliContext) => void;
