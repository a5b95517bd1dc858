/**
 * `warden predict <model> [text…]` classifies texts with what serves the model live (its
 * Production version), or with a `--pinned` version; `--file` reads one text per line (`-` =
 * stdin), sent in batches. `warden feedback <id> <label>` attaches the true label to a
 * prediction (the `id` column of predict).
 */
import fs from 'node:fs';
import { CliError, EXIT_CODES } from '../http-client.js';
import type { RegisterCommands } from '../context.js';
import { table } from '../output.js';
import { truncateText } from '../../domain/text.js';

interface Served {
  id: string;
  label: number;
  probability: number;
  score: number;
  version: number;
  semver: string;
  arm: string;
}

interface Answer {
  requestId: string;
  model: string;
  live: boolean;
  predictions: Served[];
}

/** Texts per request: well under the server's default WARDEN_PREDICT_MAX_BATCH (256). */
const BATCH = 64;

/** The non-empty lines of a file (or stdin for `-`), trailing whitespace dropped. */
function readLines(file: string): string[] {
  let content: string;
  try {
    content = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT_CODES.usage);
  }
  return content
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}

export const registerPredictCommands: RegisterCommands = (program, ctx) => {
  program
    .command('predict <model> [texts...]')
    .description('classify texts with the model’s live (Production) version, or a --pinned one (label 1 = positive class, e.g. spam)')
    .option('--pinned <version>', 'a pinned version (number, v1.2 or alias) instead of the live one')
    .option('--file <path>', 'one text per line (- for stdin); sent in batches of 64')
    .action(async (model: string, args: string[], options: { pinned?: string; file?: string }) => {
      const texts = [...args, ...(options.file !== undefined ? readLines(options.file) : [])];
      if (texts.length === 0) throw new CliError('give at least one text, or --file with one text per line', EXIT_CODES.usage);
      const route =
        options.pinned === undefined
          ? `/predict/${encodeURIComponent(model)}`
          : `/predict/${encodeURIComponent(model)}/versions/${encodeURIComponent(options.pinned)}`;
      const predictions: Array<Served & { text: string }> = [];
      let live = true;
      for (let i = 0; i < texts.length; i += BATCH) {
        const chunk = texts.slice(i, i + BATCH);
        const answer = await ctx.client().post<Answer>(route, { texts: chunk });
        live &&= answer.live;
        answer.predictions.forEach((p, j) => predictions.push({ ...p, text: chunk[j] ?? '' }));
      }
      ctx.output.result({ model, live, predictions }, (r) =>
        table(r.predictions, [
          { header: 'label', value: (p) => p.label },
          { header: 'probability', value: (p) => p.probability.toFixed(4) },
          { header: 'version', value: (p) => `${p.semver} (${p.version})` },
          { header: 'id', value: (p) => p.id },
          { header: 'text', value: (p) => truncateText(p.text, 50) },
        ]),
      );
      if (!live) ctx.output.note(`note: ${model} ${options.pinned ?? ''} is not the live version; live traffic gets another one`);
    });

  program
    .command('feedback <id> <label>')
    .description('attach the true label (0 or 1) to a prediction, by the id predict printed')
    .action(async (id: string, label: string) => {
      if (!/^[01]$/.test(label)) throw new CliError('label must be 0 or 1', EXIT_CODES.usage);
      const result = await ctx.client().post<{ recorded: number; items: Array<{ requestId: string; status: string; model?: string; version?: number }> }>('/feedback', {
        requestId: id,
        label: Number(label),
      });
      ctx.output.result(result, (r) => r.items.map((i) => `${i.requestId}: ${i.status}${i.model !== undefined ? ` (${i.model} v${String(i.version)})` : ''}`).join('\n'));
    });
};
