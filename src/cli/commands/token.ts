import { ROLES } from '../../domain/auth.js';
import { Option } from 'commander';
import type { RegisterCommands } from '../context.js';
import { details, table, time } from '../output.js';

interface IssuedToken {
  token: string;
  id: string;
  name: string;
  role: string;
  createdAt: number;
}

interface TokenView {
  id: string;
  name: string;
  role: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** `warden token create|list|revoke` (admin token required). */
export const registerTokenCommands: RegisterCommands = (program, ctx) => {
  const token = program.command('token').description('API tokens (needs an admin token)');

  token
    .command('create')
    .description('issue a token; its value is shown once')
    .requiredOption('--name <name>', 'who uses it (recorded as the actor of their changes)')
    .addOption(new Option('--role <role>', 'what it may do').choices([...ROLES]).makeOptionMandatory())
    .action(async (options: { name: string; role: string }) => {
      const issued = await ctx.client().post<IssuedToken>('/tokens', { name: options.name, role: options.role });
      ctx.output.result(issued, (t) =>
        [
          details([
            ['id', t.id],
            ['name', t.name],
            ['role', t.role],
            ['created', time(t.createdAt)],
          ]),
          `token (shown once, store it now): ${t.token}`,
        ].join('\n'),
      );
    });

  token
    .command('list')
    .description('list tokens (never their values)')
    .option('--all', 'include revoked tokens')
    .action(async (options: { all?: boolean }) => {
      const result = await ctx.client().get<{ tokens: TokenView[] }>('/tokens', { includeRevoked: options.all === true });
      ctx.output.result(result, ({ tokens }) =>
        table(tokens, [
          { header: 'id', value: (t) => t.id },
          { header: 'name', value: (t) => t.name },
          { header: 'role', value: (t) => t.role },
          { header: 'created', value: (t) => time(t.createdAt) },
          { header: 'last used', value: (t) => time(t.lastUsedAt) },
          { header: 'revoked', value: (t) => time(t.revokedAt) },
        ]),
      );
    });

  token
    .command('revoke <id>')
    .description('revoke a token; its holder is refused from the next request on')
    .action(async (id: string) => {
      const revoked = await ctx.client().delete<TokenView>(`/tokens/${encodeURIComponent(id)}`);
      ctx.output.result(revoked, (t) => `revoked token ${t.id} (${t.name}, ${t.role})`);
    });
};
