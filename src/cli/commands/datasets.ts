/**
 * `warden datasets list|show|rows|import` and `warden data scan`. An import streams the
 * file to the server, which versions it all or nothing; when it refuses the file, every
 * bad row it reported is printed as `file:line[:column] field: message`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CliContext, RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES, errorFromResponse, readJsonBody } from '../http-client.js';
import { details, table, time } from '../output.js';
import { CLI_COMMAND } from '../command-name.js';

interface DatasetView {
  id: string;
  name: string;
  version: number;
  sha256: string;
  rows: number;
  positives: number;
  negatives: number;
  bytes: number;
  origin: string;
  sourceFiles: Array<{ name: string; sha256: string; rows: number }>;
  parentDigests: string[];
  description: string;
  createdAt: number;
}

interface ProblemView {
  file: string;
  line: number;
  field: string;
  column?: number;
  message: string;
}

interface ScanView {
  scannedAt: number;
  models: Array<{
    model: string;
    files: Array<{ name: string; rows: number; isNew: boolean }>;
    pending: string[];
    rejected: Array<{ file: string; movedTo: string; code: string; message: string }>;
    dataset?: DatasetView;
    announced: boolean;
  }>;
  ignoredFolders: string[];
}

const CONTENT_TYPES = { jsonl: 'application/x-ndjson', csv: 'text/csv' } as const;

function balance(d: Pick<DatasetView, 'rows' | 'positives'>): string {
  return d.rows === 0 ? '-' : `${((100 * d.positives) / d.rows).toFixed(1)} %`;
}

function datasetDetails(d: DatasetView): string {
  return details([
    ['name', d.name],
    ['version', d.version],
    ['sha256', d.sha256],
    ['rows', d.rows],
    ['positives (1)', d.positives],
    ['negatives (0)', d.negatives],
    ['positive share', balance(d)],
    ['bytes', d.bytes],
    ['origin', d.origin],
    ['source files', d.sourceFiles.map((f) => `${f.name} (${f.rows} rows)`).join(', ') || '-'],
    ['parents', d.parentDigests.map((p) => p.slice(0, 16)).join(', ') || '-'],
    ['description', d.description || '-'],
    ['created', time(d.createdAt)],
  ]);
}

/** `file:line[:column] field: message`, one per bad row. */
export function formatProblems(problems: readonly ProblemView[], badRows: number): string {
  const lines = problems.map((p) => `  ${p.file}:${p.line}${p.column ? `:${p.column}` : ''} ${p.field}: ${p.message}`);
  if (badRows > problems.length) lines.push(`  … and ${badRows - problems.length} more`);
  return lines.join('\n');
}

async function upload(ctx: CliContext, file: string, query: URLSearchParams, contentType: string, size: number): Promise<{ dataset: DatasetView; created: boolean }> {
  const response = await ctx.client().send('POST', `datasets?${query.toString()}`, {
    headers: { 'content-type': contentType, 'content-length': String(size) },
    body: Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>,
    acceptErrors: true,
  });
  const body = await readJsonBody(response, false);
  if (!response.ok) {
    const failure = errorFromResponse(response.status, body);
    const info = (body as { error?: { details?: { problems?: ProblemView[]; badRows?: number } } } | undefined)?.error?.details;
    if (info?.problems && info.problems.length > 0) {
      throw new CliError(`${failure.message}\n${formatProblems(info.problems, info.badRows ?? info.problems.length)}`, failure.exitCode, failure.code);
    }
    throw failure;
  }
  return body as { dataset: DatasetView; created: boolean };
}

export const registerDatasetsCommands: RegisterCommands = (program, ctx) => {
  const datasets = program.command('datasets').description('immutable dataset versions: list, show, read rows, import JSONL/CSV files');

  datasets
    .command('list')
    .description('list dataset names with their newest version')
    .action(async () => {
      const result = await ctx.client().get<{ datasets: Array<{ name: string; versions: number; latest: DatasetView }> }>('/datasets');
      ctx.output.result(result, ({ datasets: rows }) =>
        rows.length === 0
          ? `no datasets yet: import one with \`${CLI_COMMAND} datasets import <file> --name <name>\``
          : table(rows, [
              { header: 'name', value: (d) => d.name },
              { header: 'versions', value: (d) => d.versions },
              { header: 'latest', value: (d) => `v${d.latest.version}` },
              { header: 'rows', value: (d) => d.latest.rows },
              { header: 'positive', value: (d) => balance(d.latest) },
              { header: 'origin', value: (d) => d.latest.origin },
              { header: 'sha256', value: (d) => d.latest.sha256.slice(0, 16) },
              { header: 'created', value: (d) => time(d.latest.createdAt) },
            ]),
      );
    });

  datasets
    .command('show <name> [version]')
    .description("show a dataset's versions, or one version in detail")
    .action(async (name: string, version: string | undefined) => {
      const client = ctx.client();
      if (version !== undefined) {
        const dataset = await client.get<DatasetView>(`/datasets/${encodeURIComponent(name)}/versions/${encodeURIComponent(version.replace(/^v/, ''))}`);
        ctx.output.result(dataset, datasetDetails);
        return;
      }
      const result = await client.get<{ versions: DatasetView[] }>(`/datasets/${encodeURIComponent(name)}/versions`);
      if (result.versions.length === 0) throw new CliError(`DATASET_NOT_FOUND: no dataset is named "${name}" (see \`${CLI_COMMAND} datasets list\`)`, EXIT_CODES.notFound);
      ctx.output.result(result, ({ versions }) =>
        table(versions, [
          { header: 'version', value: (d) => `v${d.version}` },
          { header: 'rows', value: (d) => d.rows },
          { header: 'positive', value: (d) => balance(d) },
          { header: 'origin', value: (d) => d.origin },
          { header: 'files', value: (d) => d.sourceFiles.map((f) => f.name).join(', ') || '-' },
          { header: 'sha256', value: (d) => d.sha256.slice(0, 16) },
          { header: 'created', value: (d) => time(d.createdAt) },
        ]),
      );
    });

  datasets
    .command('rows <name> <version>')
    .description('print rows of a dataset version')
    .option('--offset <n>', 'first row (0-based)', '0')
    .option('--limit <n>', 'how many rows (at most 1000)', '20')
    .action(async (name: string, version: string, options: { offset: string; limit: string }) => {
      const result = await ctx
        .client()
        .get<{ total: number; offset: number; rows: Array<{ text: string; label: 0 | 1 }> }>(
          `/datasets/${encodeURIComponent(name)}/versions/${encodeURIComponent(version.replace(/^v/, ''))}/rows`,
          { offset: options.offset, limit: options.limit },
        );
      ctx.output.result(result, ({ rows, offset, total }) => {
        const shown = table(
          rows.map((row, i) => ({ ...row, index: offset + i })),
          [
            { header: '#', value: (r) => r.index },
            { header: 'label', value: (r) => r.label },
            { header: 'text', value: (r) => (r.text.length > 100 ? `${r.text.slice(0, 100).replace(/\s+/g, ' ')}…` : r.text.replace(/\s+/g, ' ')) },
          ],
        );
        return `${shown}\nrows ${offset}–${offset + rows.length - 1} of ${total}`;
      });
    });

  datasets
    .command('import <file>')
    .description('version a JSONL ({"text","label"} per line) or CSV (text,label header) file; all or nothing')
    .requiredOption('--name <name>', 'dataset name, e.g. spam-mail')
    .option('--format <format>', 'jsonl or csv (default: from the file extension)')
    .option('--description <text>', 'what this version holds')
    .action(async (file: string, options: { name: string; format?: string; description?: string }) => {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new CliError(`cannot read ${file}: no such file`, EXIT_CODES.usage);
      }
      if (!stat.isFile()) throw new CliError(`${file} is not a regular file`, EXIT_CODES.usage);
      const lower = file.toLowerCase();
      const format = options.format ?? (lower.endsWith('.csv') ? 'csv' : lower.endsWith('.jsonl') || lower.endsWith('.ndjson') ? 'jsonl' : undefined);
      if (format !== 'jsonl' && format !== 'csv') {
        throw new CliError(`cannot tell the format of ${file}: pass --format jsonl or --format csv`, EXIT_CODES.usage);
      }
      const query = new URLSearchParams({ name: options.name, fileName: path.basename(file), format });
      if (options.description) query.set('description', options.description);
      const result = await upload(ctx, file, query, CONTENT_TYPES[format], stat.size);
      ctx.output.result(result, ({ dataset, created }) =>
        created
          ? `${dataset.name} v${dataset.version} created: ${dataset.rows} rows, ${balance(dataset)} positive, sha256 ${dataset.sha256}`
          : `${dataset.name} v${dataset.version} already holds this content (sha256 ${dataset.sha256}); nothing new was created`,
      );
    });

  const data = program.command('data').description('the fresh → used data lifecycle (WARDEN_HOME/data/fresh/<model>/)');
  data
    .command('scan')
    .description('scan the fresh data folders now: version new files, reject invalid ones')
    .action(async () => {
      const report = await ctx.client().post<ScanView>('/data/scan');
      ctx.output.result(report, ({ models, ignoredFolders }) => {
        if (models.length === 0) return 'no model folders in data/fresh/ (drop files into data/fresh/<model>/)';
        const lines = models.map((m) => {
          const parts = [`${m.model}: ${m.files.length} file(s) waiting`];
          if (m.announced && m.dataset) parts.push(`new version ${m.dataset.name} v${m.dataset.version} (${m.dataset.rows} rows) → retraining`);
          if (m.pending.length > 0) parts.push(`still being written: ${m.pending.join(', ')}`);
          for (const r of m.rejected) parts.push(`rejected ${r.file} → rejected/${m.model}/${r.movedTo}: ${r.message}`);
          return parts.join('\n  ');
        });
        if (ignoredFolders.length > 0) lines.push(`ignored folders (not model names): ${ignoredFolders.join(', ')}`);
        return lines.join('\n');
      });
    });
};
