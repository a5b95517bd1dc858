import type { RegisterCommands } from '../context.js';

/** `warden db migrate`: applies pending migrations directly to WARDEN_STORE_URL. */
export const registerDbCommands: RegisterCommands = (program, ctx) => {
  const db = program.command('db').description('metadata database maintenance (talks to the database directly)');
  db.command('migrate')
    .description('apply every pending migration to WARDEN_STORE_URL')
    .action(async () => {
      // Loaded on use: the SQL drivers would slow every HTTP-only command.
      const { migrateStore } = await import('../../startup/migrate.js');
      const result = await migrateStore(ctx.config());
      ctx.output.result(result, ({ store, applied }) =>
        applied.length === 0 ? `${store}: schema is up to date` : `${store}: applied ${applied.join(', ')}`,
      );
    });
};
