import type { RegisterCommands } from '../context.js';

/** `warden server`: the api role plus WARDEN_ROLES' others (by default the workers and the scheduler too). */
export const registerServerCommands: RegisterCommands = (program, ctx) => {
  program
    .command('server')
    .description('run the Warden server in this process (PORT, HOST, WARDEN_STORE_URL… from the environment)')
    .action(async () => {
      // Loaded on use: the platform would slow every HTTP-only command.
      const { startServer } = await import('../../startup/server.js');
      await startServer(ctx.config());
      // Runs until SIGINT/SIGTERM; startServer owns the shutdown.
    });
};
