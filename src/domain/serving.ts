/**
 * Serving rules: what a model's live deployment is, what a prediction record holds, the
 * cheap descriptors computed from each input, and which feedback labels a model accepts.
 * Pure: the serving service loads through ports and applies these.
 */
import { invalid } from './errors.js';
import type { ModelVersion } from './registry/entities.js';

/**
 * Which arm answered: `production` (the live deployment's only arm today; rollouts and A/B
 * tests add `candidate`, `a`, `b`…) or `pinned` (a call naming its version, outside any deployment).
 */
export const PINNED_ARM = 'pinned';
export const PRODUCTION_ARM = 'production';

/** One arm of a live deployment: a version and its share of the traffic (weights of a deployment sum to 100). */
export interface LiveArm {
  readonly arm: string;
  readonly version: ModelVersion;
  readonly weight: number;
}

/** What serves a model's traffic right now. */
export interface LiveDeployment {
  readonly model: string;
  readonly arms: readonly LiveArm[];
}

/**
 * The live deployment a registry state implies: the Production version as the only arm,
 * or none when the model has no Production version. Rollout strategies replace this with
 * their persisted arms.
 */
export function liveDeploymentOf(model: string, production: ModelVersion | undefined): LiveDeployment | undefined {
  if (production === undefined) return undefined;
  return { model, arms: [{ arm: PRODUCTION_ARM, version: production, weight: 100 }] };
}

/**
 * The arm serving a request: `draw` is a uniform number in [0, 100) (random, or a subject's hash
 * for sticky assignment). With one arm, that arm.
 */
export function pickArm(deployment: LiveDeployment, draw: number): LiveArm {
  let cumulative = 0;
  for (const arm of deployment.arms) {
    cumulative += arm.weight;
    if (draw < cumulative) return arm;
  }
  const last = deployment.arms[deployment.arms.length - 1];
  if (last === undefined) throw new RangeError(`deployment of ${deployment.model} has no arm`);
  return last;
}

/** Cheap facts about an input, recorded with its prediction (drift monitoring reads them). */
export interface InputDescriptors {
  /** UTF-16 length, as the client sent it. */
  readonly chars: number;
  /** Share of characters outside ASCII, 0–1. */
  readonly nonAsciiShare: number;
  /** `http(s)://` or `www.` occurrences. */
  readonly urlCount: number;
}

const URL_PATTERN = /\bhttps?:\/\/|\bwww\./gi;

export function describeInput(text: string): InputDescriptors {
  let nonAscii = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) nonAscii++;
  const urls = text.match(URL_PATTERN);
  return { chars: text.length, nonAsciiShare: text.length === 0 ? 0 : nonAscii / text.length, urlCount: urls === null ? 0 : urls.length };
}

/** One answered input as the prediction log keeps it. */
export interface PredictionRecord extends InputDescriptors {
  /** The id feedback names: the request id for a single text, `<requestId>.<index>` within a batch. */
  readonly id: string;
  readonly requestId: string;
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly arm: string;
  readonly label: number;
  readonly probability: number;
  readonly score: number;
  /** Time spent answering the request (all of its inputs), in ms. */
  readonly latencyMs: number;
  /** ms since the epoch. */
  readonly createdAt: number;
}

/** A recorded prediction with the true label attached later, if any. */
export interface StoredPrediction extends PredictionRecord {
  readonly feedbackLabel: number | null;
  readonly feedbackAt: number | null;
  readonly feedbackActor: string | null;
}

/** The prediction id of input `index` of a request (a single text keeps the request id). */
export function predictionId(requestId: string, index: number, batch: boolean): string {
  return batch ? `${requestId}.${index}` : requestId;
}

/** The labels Warden's classifiers give: 0 = negative (ham, benign), 1 = positive (spam, injection, malicious). */
export const BINARY_LABELS = [0, 1] as const;

/** Checks a feedback label against the model's label set; the error names `field`. */
export function validateFeedbackLabel(label: unknown, labels: readonly number[], field: string): number {
  if (typeof label !== 'number' || !labels.includes(label)) throw invalid(field, `label must be one of ${labels.join(', ')}`);
  return label;
}

export const MAX_PREDICTION_ID_LENGTH = 80;
