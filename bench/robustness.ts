/**
 * Robustness of the default (bootstrap) models against the red-team attack library.
 *
 *   npm run bench:robustness                     # both bootstrap models, every attack
 *   npm run bench:robustness -- --model spam-detector
 *   npm run bench:robustness -- --spam 120       # attack only the first 120 held-out spam rows (quicker)
 *   npm run bench:robustness -- --split-seed 1   # another split of the same rows (the first start's is the recipe's, 42)
 *   npm run bench:robustness -- --view-ceiling   # also: the most any offsets could make of the model's views against dilution
 *
 * Protocol: each model is trained exactly as the first start trains it — the bootstrap
 * recipe (`bootstrapRecipeInput`, filled by the RecipeResolver), its built-in corpora, the
 * platform's duplicate rule and split — then judged on the held-out SpamAssassin rows only
 * (the test split, never trained on, never used for the threshold). The operating point is
 * the lowest threshold whose false-positive rate on those held-out ham rows is ≤ 0.5 %.
 * At that threshold, for every attack of the catalogue (seeded, one rng per attack):
 * recall under attack (flagged / all held-out spam), and the attack success rate
 * (evasions / spam rows flagged before the attack; rows already missed are skipped, as
 * TextAttack counts). Per family the worst attack is shown with the pooled recall. Then the
 * four dilution attacks again, padded with sentences and words of the held-out ham rather than
 * the catalogue's lexicon (a defence that only learnt the lexicon would show there).
 * Then the model's own threshold (chosen on validation rows) on the clean held-out rows,
 * and on test/fixtures/short-messages.jsonl (hand-written, never trained on); and the CPU
 * time one prediction takes (normalise, views, featurise, score) on those short texts and
 * on 300 held-out mails, in this process (CPU time, as the machine may be shared).
 *
 * `--view-ceiling` (models with windows): the window and trimmed-view offsets the model fitted
 * on its validation ham are scanned instead (0–6 each, steps of 0.25), with the threshold
 * again at held-out FPR ≤ 0.5 %, for the pair whose worst dilution form (eight: four attacks,
 * two paddings) is highest. Chosen on the held-out rows themselves, it is an oracle, not a
 * calibration: a better way to fit the offsets cannot beat it, only a model whose views
 * separate better can.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ATTACK_FAMILIES, TRANSFORM_ATTACKS, dilutionAttacks, type PaddingSource, type TransformAttack } from '../src/ml/redteam/index.js';
import { combineViewMargins, createPredictor, createRng, trainTextClassifier, type Predictor, type ViewMargins } from '../src/ml/index.js';
import { toMlRecipe } from '../src/ml/builtin-trainer.js';
import { BOOTSTRAP_MODELS, bootstrapRecipeInput } from '../src/services/retrain-triggers.js';
import { RecipeResolver } from '../src/services/recipe-resolver.js';
import { builtinCorpusRows, combineDatasetRows, splitRows } from '../src/services/dataset-service.js';
import { spamAssassinCorpus } from '../src/store/datasets/spam-assassin-corpus.js';
import { everydayMessagesCorpus } from '../src/store/datasets/everyday-messages.js';
import type { BuiltinCorpus } from '../src/domain/ports/builtin-corpus.js';
import type { DatasetRow } from '../src/domain/datasets.js';
import { printTable } from './support/report.js';

const { values: args } = parseArgs({ options: { model: { type: 'string' }, spam: { type: 'string' }, seed: { type: 'string', default: '7' }, 'split-seed': { type: 'string' }, 'view-ceiling': { type: 'boolean', default: false } } });
const SPLIT_SEED = args['split-seed'] === undefined ? undefined : Number(args['split-seed']);
if (SPLIT_SEED !== undefined && !(Number.isInteger(SPLIT_SEED) && SPLIT_SEED >= 0)) throw new Error(`--split-seed must be a whole number ≥ 0, not ${args['split-seed']}`);
const MAX_FPR = 0.005;
const SEED = Number(args.seed);
const CORPORA = new Map<string, BuiltinCorpus>([spamAssassinCorpus, everydayMessagesCorpus].map((c) => [c.name, c]));
const SHORT_MESSAGES = fileURLToPath(new URL('../test/fixtures/short-messages.jsonl', import.meta.url));

/** Sentences (20–200 characters, ending in . ! or ?) and plain words of texts, as padding for the dilution attacks. */
function paddingFrom(texts: readonly string[]): PaddingSource {
  const sentences: string[] = [];
  for (const text of texts) {
    for (const piece of text.split(/(?<=[.!?])\s+/)) {
      const sentence = piece.replace(/\s+/g, ' ').trim();
      if (sentence.length >= 20 && sentence.length <= 200 && /[.!?]$/.test(sentence)) sentences.push(sentence);
    }
  }
  const words = sentences.flatMap((sentence) => sentence.split(' ')).filter((word) => /^[A-Za-z]{3,12}$/.test(word));
  return { sentences, words };
}

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** The lowest cut whose false-positive rate on `hamScores` is ≤ maxFpr: just above the (k+1)-th highest ham score. */
function thresholdAtFpr(hamScores: readonly number[], maxFpr: number): number {
  const sorted = [...hamScores].sort((a, b) => b - a);
  const allowed = Math.floor(maxFpr * sorted.length);
  return allowed >= sorted.length ? 0 : sorted[allowed]! + 1e-9;
}

/** The `--view-ceiling` report: the offsets whose worst dilution form is highest on the held-out rows, and what they give. */
function viewCeiling(predictor: Predictor, heldOut: readonly DatasetRow[], spamRows: readonly DatasetRow[], attacks: readonly TransformAttack[]): string {
  const { windowOffset, trimOffset } = predictor.model.calibration;
  if (windowOffset === undefined) return `view ceiling: ${predictor.model.family} without windows has one view, no offsets to scan`;
  const views = (text: string): ViewMargins => predictor.viewMargins(predictor.read(text));
  const ham = heldOut.filter((r) => r.label === 0).map((r) => views(r.text));
  const clean = spamRows.map((r) => views(r.text));
  // The attacked texts exactly as `measure` makes them: one rng per attack, seeded alike, over the rows in order.
  const forms = attacks.map((attack) => {
    const rng = createRng(SEED);
    return spamRows.map((r) => views(attack.apply(r.text, rng)));
  });
  const at = (windowAt: number, trimAt: number) => {
    const margin = (v: ViewMargins): number => combineViewMargins(v, { windowOffset: windowAt, trimOffset: trimAt });
    const threshold = thresholdAtFpr(ham.map(margin), MAX_FPR);
    const recall = (rows: readonly ViewMargins[]): number => rows.filter((v) => margin(v) >= threshold).length / rows.length;
    const perForm = forms.map(recall);
    return { windowAt, trimAt, worst: Math.min(...perForm), perForm, clean: recall(clean) };
  };
  const fitted = at(windowOffset, trimOffset ?? Number.POSITIVE_INFINITY);
  let best = fitted;
  for (let w = 0; w <= 24; w++) {
    for (let t = 0; t <= (trimOffset === undefined ? 0 : 24); t++) {
      const candidate = at(w / 4, trimOffset === undefined ? Number.POSITIVE_INFINITY : t / 4);
      if (candidate.worst > best.worst) best = candidate;
    }
  }
  const describe = (r: ReturnType<typeof at>): string =>
    `window ${fmt(r.windowAt, 2)}, trimmed view ${fmt(r.trimAt, 2)}: worst dilution form ${fmt(r.worst)} (${r.perForm.map((x) => fmt(x)).join(' / ')}), clean recall ${fmt(r.clean)}`;
  return `view ceiling (offsets scanned on the held-out rows, an oracle; forms: lexicon then held-out-ham padding, ${attacks.map((a) => a.id).slice(0, 4).join(' / ')}):\n  fitted  ${describe(fitted)}\n  best    ${describe(best)}`;
}

async function main(): Promise<void> {
  const resolver = new RecipeResolver();
  // The rows as Warden stores them (trimmed by the import rule): the split hashes each text, so raw rows would split apart from the first start's.
  const sa = new Set((await builtinCorpusRows(spamAssassinCorpus)).rows.map((r) => r.text));
  const short = fs
    .readFileSync(SHORT_MESSAGES, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { text: string; label: 0 | 1 });
  const specs = BOOTSTRAP_MODELS.filter((m) => args.model === undefined || m.name === args.model);
  if (specs.length === 0) throw new Error(`no bootstrap model ${args.model}; there are ${BOOTSTRAP_MODELS.map((m) => m.name).join(', ')}`);
  const summary: string[][] = [];
  for (const spec of specs) {
    const recipe = resolver.resolve(bootstrapRecipeInput(spec));
    const parts = await Promise.all(recipe.dataset.builtin.map(async (name) => ({ digest: name, rows: (await builtinCorpusRows(CORPORA.get(name)!)).rows })));
    const splits = splitRows(combineDatasetRows(parts).rows, SPLIT_SEED === undefined ? recipe.split : { ...recipe.split, seed: SPLIT_SEED });
    const labelled = (rows: readonly DatasetRow[]) => ({ texts: rows.map((r) => r.text), labels: Uint8Array.from(rows, (r) => r.label) });
    const started = performance.now();
    const { model } = trainTextClassifier(toMlRecipe(recipe), { train: labelled(splits.train), validation: labelled(splits.validation) });
    const trainSeconds = (performance.now() - started) / 1000;
    const predictor = createPredictor(model);
    const score = (text: string): number => predictor.predict(text).probability;

    const heldOut = splits.test.filter((r) => sa.has(r.text));
    const hamScores = heldOut.filter((r) => r.label === 0).map((r) => score(r.text));
    let spamRows = heldOut.filter((r) => r.label === 1);
    if (args.spam !== undefined) spamRows = spamRows.slice(0, Number(args.spam));
    const threshold = thresholdAtFpr(hamScores, MAX_FPR);
    const cleanFlags = spamRows.map((r) => score(r.text) >= threshold);
    const cleanRecall = cleanFlags.filter(Boolean).length / spamRows.length;
    const cleanFpr = hamScores.filter((s) => s >= threshold).length / hamScores.length;

    const attackStarted = performance.now();
    /** One attack on every spam row (its own rng, seeded alike): rows flagged after it, and evasions of rows flagged before it. */
    const measure = (attack: TransformAttack): { recall: number; successes: number; attempts: number } => {
      const rng = createRng(SEED);
      let hits = 0;
      let successes = 0;
      let attempts = 0;
      spamRows.forEach((row, i) => {
        const flaggedNow = score(attack.apply(row.text, rng)) >= threshold;
        if (flaggedNow) hits++;
        if (cleanFlags[i]) {
          attempts++;
          if (!flaggedNow) successes++;
        }
      });
      return { recall: hits / spamRows.length, successes, attempts };
    };
    const rows: string[][] = [];
    let floor = Number.POSITIVE_INFINITY;
    let dilutionByAttack: string[] = [];
    for (const family of ATTACK_FAMILIES) {
      const attacks = TRANSFORM_ATTACKS.filter((a) => a.family === family);
      if (attacks.length === 0) continue;
      let recallSum = 0;
      let successes = 0;
      let attempts = 0;
      let worst = { id: '', recall: Number.POSITIVE_INFINITY };
      const perAttack: string[] = [];
      for (const attack of attacks) {
        const m = measure(attack);
        perAttack.push(`${attack.id} ${fmt(m.recall)}`);
        recallSum += m.recall;
        successes += m.successes;
        attempts += m.attempts;
        if (m.recall < worst.recall) worst = { id: attack.id, recall: m.recall };
      }
      if (family === 'dilution') dilutionByAttack = perAttack;
      floor = Math.min(floor, worst.recall);
      rows.push([spec.name, family, String(attacks.length), fmt(recallSum / attacks.length), `${fmt(worst.recall)} (${worst.id})`, fmt(successes / Math.max(1, attempts))]);
    }
    // The dilution attacks again with padding from the held-out ham instead of the catalogue's
    // lexicon: a defence that learnt what the lexicon looks like, not to judge the payload, shows here.
    const heldOutPadding = paddingFrom(heldOut.filter((r) => r.label === 0).map((r) => r.text));
    const paddedRows = dilutionAttacks(heldOutPadding).map((attack) => {
      const m = measure(attack);
      return [spec.name, attack.id, fmt(m.recall), fmt(m.successes / Math.max(1, m.attempts))];
    });
    const ceiling = args['view-ceiling'] === true ? viewCeiling(predictor, heldOut, spamRows, [...TRANSFORM_ATTACKS.filter((a) => a.family === 'dilution'), ...dilutionAttacks(heldOutPadding)]) : undefined;
    const attackSeconds = (performance.now() - attackStarted) / 1000;
    console.log(
      `\n${spec.name} (${recipe.family})${SPLIT_SEED === undefined ? '' : `, split seed ${SPLIT_SEED}`}: trained in ${trainSeconds.toFixed(1)} s on ${splits.train.length} rows; held-out SpamAssassin ${hamScores.length} ham / ${spamRows.length} spam; ` +
        `threshold at clean FPR ≤ ${MAX_FPR * 100} %: ${fmt(threshold, 4)} (clean FPR ${fmt(cleanFpr, 4)}, recall ${fmt(cleanRecall)}); attacks scored in ${attackSeconds.toFixed(1)} s`,
    );
    printTable(['model', 'family', 'attacks', 'recall under attack', 'worst attack recall', 'attack success rate'], rows);
    console.log(`dilution per attack (the catalogue's lexicon padding), recall under attack: ${dilutionByAttack.join(', ')}`);
    console.log(`\ndilution padded with held-out ham (${heldOutPadding.sentences.length} sentences, ${heldOutPadding.words.length} words; not the lexicon), same threshold:`);
    printTable(['model', 'attack', 'recall under attack', 'attack success rate'], paddedRows);
    if (ceiling !== undefined) console.log(`\n${ceiling}`);

    // The model's own operating point: its validation-chosen threshold.
    const own = (labels: number[], probabilities: number[]) => {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      let negatives = 0;
      labels.forEach((label, i) => {
        const predicted = probabilities[i]! >= model.threshold;
        if (label === 1 && predicted) tp++;
        if (label === 1 && !predicted) fn++;
        if (label === 0) negatives++;
        if (label === 0 && predicted) fp++;
      });
      return { f1: (2 * tp) / Math.max(1, 2 * tp + fp + fn), fpr: fp / Math.max(1, negatives), recall: tp / Math.max(1, tp + fn) };
    };
    const clean = own(heldOut.map((r) => r.label), heldOut.map((r) => score(r.text)));
    const shortAtOwn = own(short.map((r) => r.label), short.map((r) => score(r.text)));
    const shortScores = short.map((r) => score(r.text));
    // Serving cost of the model's chain (normalise, views, featurise, score), CPU time in this process.
    const cpuPerText = (texts: readonly string[]): number => {
      const rounds = Math.max(1, Math.ceil(2000 / texts.length));
      const before = process.cpuUsage();
      for (let k = 0; k < rounds; k++) for (const text of texts) predictor.predict(text);
      const used = process.cpuUsage(before);
      return (used.user + used.system) / (rounds * texts.length);
    };
    const shortCpu = cpuPerText(short.map((r) => r.text));
    const mailCpu = cpuPerText(heldOut.slice(0, 300).map((r) => r.text));
    const shortFprAtBench = short.filter((r, i) => r.label === 0 && shortScores[i]! >= threshold).length / short.filter((r) => r.label === 0).length;
    const shortRecallAtBench = short.filter((r, i) => r.label === 1 && shortScores[i]! >= threshold).length / short.filter((r) => r.label === 1).length;
    summary.push([
      spec.name,
      fmt(model.threshold, 4),
      fmt(clean.f1),
      fmt(clean.fpr, 4),
      fmt(clean.recall),
      fmt(floor),
      `${fmt(shortAtOwn.fpr)} / ${fmt(shortAtOwn.recall)}`,
      `${fmt(shortFprAtBench)} / ${fmt(shortRecallAtBench)}`,
      `${shortCpu.toFixed(0)} / ${mailCpu.toFixed(0)}`,
    ]);
  }
  console.log(`\nclean = held-out SpamAssassin rows at the model's own threshold; short = test/fixtures/short-messages.jsonl (${short.filter((r) => r.label === 0).length} benign, ${short.filter((r) => r.label === 1).length} malicious)`);
  printTable(['model', 'own threshold', 'clean F1', 'clean FPR', 'clean recall', 'worst recall under attack', 'short FPR / recall (own thr.)', 'short FPR / recall (0.5 % thr.)', 'CPU µs per text: short / mail'], summary);
}

await main();
