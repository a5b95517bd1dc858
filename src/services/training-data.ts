/**
 * The data side of training: what a recipe's dataset spec may name (checked at enqueue, so
 * a typo is a 400 and not a FAILED version), and the rows a job trains on — built-in
 * corpora, named datasets, and the model's fresh data — through the one duplicate rule.
 */
import { invalid, isWardenError } from '../domain/errors.js';
import type { DatasetRow, DeduplicatedRows } from '../domain/datasets.js';
import { freshDatasetName } from '../domain/fresh-data.js';
import type { Recipe } from '../domain/recipes.js';
import { combineDatasetRows, type DatasetService } from './dataset-service.js';
import type { RegistryService } from './registry-service.js';
import type { TrainingPayload } from './training-jobs.js';

/** Dataset names listed in an error that asks which data to train on. */
const DATA_CHOICES_SHOWN = 20;

const corporaChoice = (corpora: readonly string[]): string => (corpora.length === 0 ? 'no built-in corpora ship with this build' : `built-in corpora: ${corpora.join(', ')}`);

export interface TrainingRows {
  readonly rows: readonly DatasetRow[];
  readonly deduplicated: DeduplicatedRows;
  /** The dataset versions' digests, in the order they were read. */
  readonly digests: string[];
  /** `<name> v<version>` of each, for descriptions and log lines. */
  readonly sources: string[];
  readonly positives: number;
}

export interface TrainingDataDeps {
  readonly datasets: DatasetService;
  readonly registry: Pick<RegistryService, 'searchVersions'>;
}

export class TrainingData {
  constructor(private readonly deps: TrainingDataDeps) {}

  /**
   * Refuses at enqueue (VALIDATION_FAILED naming the field) a dataset spec the job would
   * fail on, after spending a version number on a FAILED version: an unknown built-in
   * corpus, an unknown dataset name, or a version the dataset does not have. Returns the
   * digests of the named dataset versions as they are now.
   */
  async check(recipe: Recipe, field: string): Promise<string[]> {
    const corpora = this.deps.datasets.builtinCorpora();
    recipe.dataset.builtin.forEach((corpus, i) => {
      if (!corpora.includes(corpus)) throw invalid(`${field}.builtin[${i}]`, `unknown built-in corpus "${corpus}". ${corporaChoice(corpora)}`);
    });
    const digests: string[] = [];
    for (const [i, ref] of recipe.dataset.datasets.entries()) {
      const newest = await findDataset(() => this.deps.datasets.latest(ref.name));
      if (newest === undefined) throw invalid(`${field}.datasets[${i}].name`, `no dataset is named "${ref.name}". ${await this.choices()}`);
      if (ref.version === undefined) {
        digests.push(newest.sha256);
        continue;
      }
      const pinned = await findDataset(() => this.deps.datasets.get(ref.name, ref.version!));
      if (pinned === undefined) throw invalid(`${field}.datasets[${i}].version`, `dataset "${ref.name}" has no version ${ref.version}; its versions are 1 to ${newest.version}`);
      digests.push(pinned.sha256);
    }
    return digests;
  }

  /** What a training request can name as its data: the built-in corpora and the datasets stored. */
  async choices(): Promise<string> {
    const names = (await this.deps.datasets.summaries()).map((d) => d.name);
    const shown = names.slice(0, DATA_CHOICES_SHOWN).join(', ');
    const datasets = names.length === 0 ? 'no datasets yet (`warden datasets import <file>`)' : `datasets: ${shown}${names.length > DATA_CHOICES_SHOWN ? `, … (${names.length} in all: \`warden datasets list\`)` : ''}`;
    return `${corporaChoice(this.deps.datasets.builtinCorpora())}; ${datasets}.`;
  }

  /**
   * The rows a job trains on: every source its recipe (and its fresh version) names, the
   * red-team vulnerability corpus of a vulnerability retrain, and every vulnerability corpus an
   * earlier version of the model trained on (a later retrain must not unlearn them), deduplicated once.
   */
  async load(model: string, recipe: Recipe, fresh: TrainingPayload['fresh'], vulnerabilities?: TrainingPayload['vulnerabilities'], feedback?: TrainingPayload['feedback']): Promise<TrainingRows> {
    const parts: Array<{ digest: string; rows: readonly DatasetRow[]; label: string }> = [];
    const add = async (digest: string, label: string) => {
      if (parts.some((p) => p.digest === digest)) return;
      parts.push({ digest, rows: await this.deps.datasets.readRowsBySha256(digest), label });
    };
    for (const corpus of recipe.dataset.builtin) {
      const imported = await this.deps.datasets.importBuiltinCorpus(corpus);
      await add(imported.dataset.sha256, `${imported.dataset.name} v${imported.dataset.version}`);
    }
    for (const ref of recipe.dataset.datasets) {
      const version = ref.version === undefined ? await this.deps.datasets.latest(ref.name) : await this.deps.datasets.get(ref.name, ref.version);
      await add(version.sha256, `${version.name} v${version.version}`);
    }
    const trainedOn = await this.digestsTrainedOn(model);
    if (recipe.dataset.includeFresh) {
      // Fresh data any version of the model trained on stays in later training data: its files
      // left fresh/ for used/, so a version that never reached Production must not take them with it.
      for (const digest of trainedOn) {
        try {
          const version = await this.deps.datasets.getBySha256(digest);
          if (version.name === freshDatasetName(model)) await add(version.sha256, `${version.name} v${version.version}`);
        } catch (error) {
          if (!(isWardenError(error) && error.code === 'DATASET_NOT_FOUND')) throw error;
        }
      }
      if (fresh !== null) {
        const version = await this.deps.datasets.get(fresh.name, fresh.version);
        await add(version.sha256, `${version.name} v${version.version}`);
      }
    } else if (fresh !== null) {
      throw invalid('recipe.dataset.includeFresh', `the recipe of ${model} does not include fresh data`);
    }
    for (const digest of trainedOn) {
      const version = await findDataset(() => this.deps.datasets.getBySha256(digest));
      if (version?.origin === 'vulnerability-corpus') await add(version.sha256, `${version.name} v${version.version}`);
    }
    if (vulnerabilities !== undefined) {
      const version = await this.deps.datasets.get(vulnerabilities.name, vulnerabilities.version);
      await add(version.sha256, `${version.name} v${version.version}`);
    }
    if (feedback !== undefined) {
      const version = await this.deps.datasets.get(feedback.name, feedback.version);
      await add(version.sha256, `${version.name} v${version.version}`);
    }
    if (parts.length === 0) throw invalid('recipe.dataset', 'the dataset spec resolved to no data');
    // One duplicate rule whether the spec names one dataset or several (the comparison rebuilds rows the same way).
    const deduplicated = combineDatasetRows(parts);
    const rows = deduplicated.rows;
    let positives = 0;
    for (const r of rows) positives += r.label;
    return { rows, deduplicated, digests: parts.map((p) => p.digest), sources: parts.map((p) => p.label), positives };
  }

  /** Every dataset digest the model's READY versions list, oldest version first, without repeats. */
  private async digestsTrainedOn(model: string): Promise<string[]> {
    const digests: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.deps.registry.searchVersions(model, { limit: 100, ...(pageToken !== undefined ? { pageToken } : {}) });
      for (const version of page.items) if (version.status === 'READY') digests.push(...version.datasetDigests);
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return [...new Set(digests.reverse())];
  }
}

async function findDataset<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isWardenError(error) && error.code === 'DATASET_NOT_FOUND') return undefined;
    throw error;
  }
}
