/**
 * ExternalTrainerRunner on child_process: the protocol of docs/external-trainers.md.
 * A private temp dir holds train/validation/test JSONL, config.json and output/; the
 * command runs without a shell (argv), stdout is read line by line as JSON messages,
 * stderr lines and malformed stdout lines become log lines (never a crash).
 *
 * The program runs as the server's user, so it gets nothing it was not meant to: only
 * allowlisted programs start (checked again here, whatever the caller checked), and the
 * environment is built from scratch (the configured PATH/LANG/LC_ALL, HOME and TMPDIR in
 * its own working folder): no WARDEN_* secret, no store or queue URL.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { DatasetRow } from '../domain/datasets.js';
import { WardenError } from '../domain/errors.js';
import { METRIC_KEY_RULE, isMetricKey } from '../domain/metric-keys.js';
import type {
  ExternalTrainerMessage,
  ExternalTrainerOutputFile,
  ExternalTrainerRequest,
  ExternalTrainerResult,
  ExternalTrainerRunner,
} from '../domain/ports/external-trainer.js';

export interface ProcessExternalTrainerOptions {
  /** Absolute paths of the programs that may run (Config.externalTrainers); anything else is refused. */
  readonly allowlist: readonly string[];
  /** The variables the trainer inherits (Config.trainerEnv); HOME and TMPDIR are added, pointing into its working folder. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where temp dirs are made; default os.tmpdir(). */
  readonly tmpRoot?: string;
  /** After SIGTERM on cancel, SIGKILL after this many ms; default 5 s. */
  readonly killGraceMs?: number;
  /** Longest stdout line accepted, in characters; longer lines are logged as malformed. Default 1 MiB. */
  readonly maxLineChars?: number;
  /** Most output files uploaded; default 1,000. */
  readonly maxOutputFiles?: number;
}


/** Parses one stdout line; undefined (with a reason) when it is not a protocol message. */
export function parseTrainerLine(line: string): { message: ExternalTrainerMessage } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'not a JSON object' };
  const m = value as Record<string, unknown>;
  const optInt = (v: unknown) => (v === undefined ? undefined : Number.isInteger(v) && (v as number) >= 0 ? (v as number) : null);
  switch (m.type) {
    case 'progress': {
      if (typeof m.fraction !== 'number' || !Number.isFinite(m.fraction) || m.fraction < 0 || m.fraction > 1) return { error: 'progress.fraction must be a number in [0, 1]' };
      const epoch = optInt(m.epoch);
      const totalEpochs = optInt(m.total_epochs ?? m.totalEpochs);
      const step = optInt(m.step);
      const totalSteps = optInt(m.total_steps ?? m.totalSteps);
      if (epoch === null || totalEpochs === null || step === null || totalSteps === null) return { error: 'progress epoch/step fields must be whole numbers ≥ 0' };
      if (m.phase !== undefined && (typeof m.phase !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,63}$/.test(m.phase))) return { error: 'progress.phase must be a short name' };
      return {
        message: {
          type: 'progress',
          fraction: m.fraction,
          ...(typeof m.phase === 'string' ? { phase: m.phase } : {}),
          ...(epoch !== undefined ? { epoch } : {}),
          ...(totalEpochs !== undefined ? { totalEpochs } : {}),
          ...(step !== undefined ? { step } : {}),
          ...(totalSteps !== undefined ? { totalSteps } : {}),
          ...(typeof m.message === 'string' ? { message: m.message } : {}),
        },
      };
    }
    case 'metric': {
      if (!isMetricKey(m.key)) return { error: `metric.key must be ${METRIC_KEY_RULE}` };
      if (typeof m.value !== 'number' || !Number.isFinite(m.value)) return { error: 'metric.value must be a finite number' };
      const step = optInt(m.step);
      if (step === null) return { error: 'metric.step must be a whole number ≥ 0' };
      return { message: { type: 'metric', key: m.key, value: m.value, ...(step !== undefined ? { step } : {}) } };
    }
    case 'final': {
      if (typeof m.metrics !== 'object' || m.metrics === null || Array.isArray(m.metrics)) return { error: 'final.metrics must be an object of numbers' };
      const metrics: Record<string, number> = {};
      for (const [key, v] of Object.entries(m.metrics as Record<string, unknown>)) {
        if (!isMetricKey(key) || typeof v !== 'number' || !Number.isFinite(v)) return { error: `final.metrics.${key.slice(0, 50)} must be a finite number with a simple name` };
        metrics[key] = v;
      }
      return { message: { type: 'final', metrics } };
    }
    case 'log':
      if (typeof m.message !== 'string') return { error: 'log.message must be a string' };
      return { message: { type: 'log', message: m.message.slice(0, 4_000) } };
    default:
      return { error: `unknown type ${JSON.stringify(m.type)?.slice(0, 40)}` };
  }
}

async function writeJsonl(file: string, rows: readonly DatasetRow[]): Promise<void> {
  const out = fs.createWriteStream(file, { mode: 0o600 });
  for (const row of rows) {
    if (!out.write(`${JSON.stringify({ text: row.text, label: row.label })}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function listFiles(root: string, max: number): Promise<ExternalTrainerOutputFile[]> {
  const files: ExternalTrainerOutputFile[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      if (files.length >= max) return;
      const full = path.join(dir, entry.name);
      const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      // Symlinks are ignored: a trainer must not make Warden upload files outside output_dir.
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) await walk(full, name);
      else if (entry.isFile()) {
        const stat = await fsp.lstat(full);
        files.push({ name, size: stat.size, open: () => fs.createReadStream(full) });
      }
    }
  };
  await walk(root, '');
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export class ProcessExternalTrainerRunner implements ExternalTrainerRunner {
  constructor(private readonly options: ProcessExternalTrainerOptions) {}

  async run(request: ExternalTrainerRequest): Promise<ExternalTrainerResult> {
    const program = request.command[0];
    if (program === undefined || !this.options.allowlist.includes(program)) {
      throw new WardenError('VALIDATION_FAILED', `${JSON.stringify(program ?? '')} is not an allowed trainer program (WARDEN_EXTERNAL_TRAINERS)`, { field: 'recipe.command' });
    }
    const dir = await fsp.mkdtemp(path.join(this.options.tmpRoot ?? os.tmpdir(), 'warden-trainer-'));
    const cleanup = () => fsp.rm(dir, { recursive: true, force: true });
    try {
      const outputDir = path.join(dir, 'output');
      await fsp.mkdir(outputDir, { mode: 0o700 });
      const home = path.join(dir, 'home');
      const tmp = path.join(dir, 'tmp');
      await fsp.mkdir(home, { mode: 0o700 });
      await fsp.mkdir(tmp, { mode: 0o700 });
      const env = { ...this.options.env, HOME: home, TMPDIR: tmp };
      const paths = { train: path.join(dir, 'train.jsonl'), validation: path.join(dir, 'validation.jsonl'), test: path.join(dir, 'test.jsonl') };
      await writeJsonl(paths.train, request.splits.train);
      await writeJsonl(paths.validation, request.splits.validation);
      await writeJsonl(paths.test, request.splits.test);
      const configPath = path.join(dir, 'config.json');
      const config = {
        protocol: 'warden-external-trainer/1',
        dataset: paths,
        rows: { train: request.splits.train.length, validation: request.splits.validation.length, test: request.splits.test.length },
        hyperparameters: request.hyperParameters,
        output_dir: outputDir,
        ...request.context,
      };
      await fsp.writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
      const args = request.command.slice(1);
      const { exitCode, signal, finalMetrics } = await this.spawnAndRead(program, [...args, configPath], dir, env, request);
      const outputFiles = await listFiles(outputDir, this.options.maxOutputFiles ?? 1_000);
      return { exitCode, signal, finalMetrics, outputFiles, cleanup };
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  private spawnAndRead(
    program: string,
    args: string[],
    cwd: string,
    env: Readonly<Record<string, string>>,
    request: ExternalTrainerRequest,
  ): Promise<{ exitCode: number | null; signal: string | null; finalMetrics: Readonly<Record<string, number>> | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
      let finalMetrics: Readonly<Record<string, number>> | null = null;
      const maxLine = this.options.maxLineChars ?? 1024 * 1024;
      const stdout = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
      stdout.on('line', (line) => {
        if (line.trim() === '') return;
        if (line.length > maxLine) return request.onLog(`malformed line ignored (longer than ${maxLine} characters)`);
        const parsed = parseTrainerLine(line);
        if ('error' in parsed) return request.onLog(`malformed line ignored (${parsed.error}): ${line.slice(0, 200)}`);
        if (parsed.message.type === 'final') finalMetrics = parsed.message.metrics;
        request.onMessage(parsed.message);
      });
      const stderr = readline.createInterface({ input: child.stderr, crlfDelay: Infinity });
      stderr.on('line', (line) => request.onLog(`stderr: ${line.slice(0, 2_000)}`));
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs ?? 5_000);
        killTimer.unref();
      };
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      let stdoutDone = new Promise<void>((r) => stdout.once('close', () => r()));
      child.once('error', (error) => {
        request.signal.removeEventListener('abort', onAbort);
        reject(error);
      });
      child.once('close', (code, sig) => {
        request.signal.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        void stdoutDone.then(() => resolve({ exitCode: code, signal: sig, finalMetrics }));
        stdoutDone = Promise.resolve();
      });
    });
  }
}
