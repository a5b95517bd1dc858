/**
 * `warden artifacts ls|get|put` and `warden gc`. Uploads and downloads stream: a file
 * is never held in memory. A download is written to a temporary file next to the
 * target while it is hashed, and renamed into place only when its sha256 matches the
 * server's `x-content-sha256` header and the artifact's recorded digest.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CliContext, RegisterCommands } from '../context.js';
import { CliError, EXIT_CODES } from '../http-client.js';
import { details, table, time } from '../output.js';
import { CLI_COMMAND } from '../command-name.js';

interface ArtifactView {
  id: string;
  runId: string;
  name: string;
  size: number;
  sha256: string;
  mediaType: string;
  createdAt: number;
}

interface SweepView {
  deleted: string[];
  bytesFreed: number;
  spared: number;
  referenced: number;
  temporariesRemoved: number;
}

/** 1536 → "1.5 KiB". */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}


function runPath(run: string): string {
  return `/runs/${encodeURIComponent(run)}/artifacts`;
}

/** The artifact named by id or display name. */
async function findArtifact(ctx: CliContext, run: string, ref: string): Promise<ArtifactView> {
  const { artifacts } = await ctx.client().get<{ artifacts: ArtifactView[] }>(runPath(run));
  const found = artifacts.find((a) => a.id === ref) ?? artifacts.find((a) => a.name === ref);
  if (!found) throw new CliError(`ARTIFACT_NOT_FOUND: run ${run} has no artifact with id or name "${ref}" (see \`${CLI_COMMAND} artifacts ls ${run}\`)`, EXIT_CODES.notFound);
  return found;
}

/** The default output file: the display name's last segment, if it is a plain file name. */
function defaultOutput(artifact: ArtifactView): string {
  const base = artifact.name.split('/').pop() ?? '';
  // The server validates names; the CLI does not rely on it to stay inside the working directory.
  if (base === '' || base === '.' || base === '..' || base !== path.basename(base) || base.includes('\\')) return artifact.sha256;
  return base;
}

async function sha256OfFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export const registerArtifactsCommands: RegisterCommands = (program, ctx) => {
  const artifacts = program.command('artifacts').description("a run's artifacts: list, download (verified), upload (streamed)");

  artifacts
    .command('ls <run>')
    .description("list a run's artifacts")
    .action(async (run: string) => {
      const result = await ctx.client().get<{ artifacts: ArtifactView[] }>(runPath(run));
      ctx.output.result(result, ({ artifacts: rows }) =>
        table(rows, [
          { header: 'id', value: (a) => a.id },
          { header: 'name', value: (a) => a.name },
          { header: 'size', value: (a) => humanBytes(a.size) },
          { header: 'media type', value: (a) => a.mediaType },
          { header: 'sha256', value: (a) => a.sha256.slice(0, 16) },
          { header: 'created', value: (a) => time(a.createdAt) },
        ]),
      );
    });

  artifacts
    .command('get <run> <artifact>')
    .description('download an artifact (by id or name) to a file, verifying its sha256')
    .option('-o, --output <file>', 'where to write it (default: the last part of its name, in this directory)')
    .option('--force', 'overwrite an existing file')
    .action(async (run: string, ref: string, options: { output?: string; force?: boolean }) => {
      const artifact = await findArtifact(ctx, run, ref);
      const target = path.resolve(options.output ?? defaultOutput(artifact));
      if (!options.force && fs.existsSync(target)) {
        throw new CliError(`${target} already exists; pass --force to overwrite it or -o to choose another file`, EXIT_CODES.usage);
      }
      const response = await ctx.client().send('GET', `${runPath(run)}/${encodeURIComponent(artifact.id)}`);
      const announced = response.headers.get('x-content-sha256');
      if (announced !== artifact.sha256) {
        await response.body?.cancel();
        throw new CliError(`the server announced sha256 ${announced ?? '(none)'} but the artifact is recorded as ${artifact.sha256}; nothing was written`);
      }
      const partial = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.part`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        if (!response.body) throw new CliError('the server sent no body');
        const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
        body.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
        });
        await pipeline(body, fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
        const actual = hash.digest('hex');
        if (actual !== artifact.sha256 || size !== artifact.size) {
          throw new CliError(`ARTIFACT_TAMPERED: the downloaded bytes hash to ${actual} (${size} bytes), not ${artifact.sha256} (${artifact.size} bytes); nothing was written`);
        }
        fs.renameSync(partial, target);
      } catch (error) {
        fs.rmSync(partial, { force: true });
        if (error instanceof CliError) throw error;
        throw new CliError(`the download of "${artifact.name}" failed: ${(error as Error).message}; nothing was written`);
      }
      ctx.output.result({ ...artifact, file: target }, () => `saved ${target} (${humanBytes(size)}, sha256 ${artifact.sha256} verified)`);
    });

  artifacts
    .command('put <run> <file>')
    .description('upload a file to a run (streamed; the server checks the sha256 computed here)')
    .option('--name <name>', 'display name (default: the file name)')
    .option('--media-type <type>', 'media type (default: guessed by the server from the name)')
    .action(async (run: string, file: string, options: { name?: string; mediaType?: string }) => {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(file);
      } catch {
        throw new CliError(`cannot read ${file}: no such file`, EXIT_CODES.usage);
      }
      if (!stat.isFile()) throw new CliError(`${file} is not a regular file`, EXIT_CODES.usage);
      const { sha256, size } = await sha256OfFile(file);
      const query = new URLSearchParams({ name: options.name ?? path.basename(file) });
      if (options.mediaType) query.set('mediaType', options.mediaType);
      const body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream<Uint8Array>;
      const response = await ctx.client().send('POST', `${runPath(run)}?${query.toString()}`, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), 'x-content-sha256': sha256 },
        body,
      });
      const artifact = (await response.json()) as ArtifactView;
      ctx.output.result(artifact, (a) =>
        details([
          ['id', a.id],
          ['run', a.runId],
          ['name', a.name],
          ['size', humanBytes(a.size)],
          ['media type', a.mediaType],
          ['sha256', a.sha256],
        ]),
      );
    });

  program
    .command('gc')
    .description('delete artifact blobs nothing references any more (needs an admin token)')
    .action(async () => {
      const report = await ctx.client().post<SweepView>('/admin/gc');
      ctx.output.result(report, (r) =>
        [
          `deleted ${r.deleted.length} blob(s), freed ${humanBytes(r.bytesFreed)}; kept ${r.referenced} referenced, spared ${r.spared} recent; removed ${r.temporariesRemoved} stale temporary file(s)`,
          ...r.deleted.map((digest) => `  ${digest}`),
        ].join('\n'),
      );
    });
};
