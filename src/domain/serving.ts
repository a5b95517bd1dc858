/**
 * Serving rules: what a model's live deployment is, what a prediction record holds, the
 * cheap descriptors computed from each input, and which feedback labels a model accepts.
 * Pure: the serving service loads through ports and applies these.
 */
import { invalid } from './errors.js';
import type { ModelVersion } from './registry/entities.js';
import { trafficSplit, type Deployment } from './deployments/rollout.js';
import type { ArmName } from './deployments/traffic.js';

/**
 * Which arm answered: `production` (no deployment in flight: the Production version alone),
 * `baseline` / `candidate` (the arms of a deployment in flight), `shadow` (a copy answered by
 * a shadow candidate, never returned) or `pinned` (a call naming its version).
 */
export const PINNED_ARM = 'pinned';
export const PRODUCTION_ARM = 'production';
export const SHADOW_ARM = 'shadow';
export const BASELINE_ARM: ArmName = 'baseline';
export const CANDIDATE_ARM: ArmName = 'candidate';

/** One arm of a live deployment: a version and its share of the traffic in percent (the serving arms add up to 100). */
export interface LiveArm {
  readonly arm: string;
  readonly version: ModelVersion;
  readonly percent: number;
}

/** What serves a model's traffic right now. */
export interface LiveDeployment {
  readonly model: string;
  readonly arms: readonly LiveArm[];
  /** A shadow candidate that gets a copy of `percent` % of requests; null when none. */
  readonly mirror: LiveArm | null;
  /** The deployment in flight that set these arms, if any. */
  readonly deploymentId: string | null;
  /** The key of its sticky assignment (an HMAC key: the same subject always lands in the same arm). */
  readonly assignmentKey: string | null;
}

/**
 * The live deployment a registry state implies: the arms of the model's deployment in flight
 * (its versions in `versions`), else the Production version alone; undefined when nothing serves.
 */
export function liveDeploymentOf(model: string, production: ModelVersion | undefined, inFlight?: { readonly deployment: Deployment; readonly versions: ReadonlyMap<number, ModelVersion> }): LiveDeployment | undefined {
  if (inFlight !== undefined) {
    const split = trafficSplit(inFlight.deployment);
    const versionOf = (number: number): ModelVersion => {
      const version = inFlight.versions.get(number);
      if (version === undefined) throw new RangeError(`version ${number} of ${model} was not given`);
      return version;
    };
    const arms = split.serving.map((arm) => ({ arm: arm.arm, version: versionOf(arm.version), percent: arm.percent }));
    if (arms.length > 0) {
      return {
        model,
        arms,
        mirror: split.mirror === null ? null : { arm: SHADOW_ARM, version: versionOf(split.mirror.version), percent: split.mirror.percent },
        deploymentId: inFlight.deployment.id,
        assignmentKey: inFlight.deployment.assignmentKey,
      };
    }
  }
  if (production === undefined) return undefined;
  return { model, arms: [{ arm: PRODUCTION_ARM, version: production, percent: 100 }], mirror: null, deploymentId: null, assignmentKey: null };
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

/**
 * The rest of an input's text descriptors (see ml/monitoring/descriptors.ts), computed on the
 * serving path for drift monitoring. `oovShare` is null when the version has no vocabulary
 * (trained before reference profiles); `nearDuplicate` whether a recent input of this process
 * shared most of its words.
 */
export interface MonitoredDescriptors {
  readonly tokens: number;
  readonly invisiblePer1k: number;
  readonly mixedScriptTokens: number;
  readonly base64Spans: number;
  readonly spacedLetterRuns: number;
  readonly beyondMaxShare: number;
  readonly oovShare: number | null;
  readonly nearDuplicate: boolean | null;
  /**
   * Whether the version's verdict on the raw text (its evasion-undoing normalisation off)
   * differed from its verdict on the normalised text: the normalisation gap of one input.
   * Absent or null when not measured (rows of older processes).
   */
  readonly normalizationFlip?: boolean | null;
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
  /** Absent when the serving process did not describe the input (monitoring counts it as missing). */
  readonly monitored?: MonitoredDescriptors;
  /** The input's first characters, for a sampled few (drift explanations; WARDEN_MONITOR_SAMPLE_RATE). */
  readonly sample?: string;
}

/**
 * A request one arm failed to answer: its version did not load in this process, or threw while
 * scoring. A candidate's failure is answered by the baseline (see fallbackArm), so the client
 * never sees it; the guardrails read it as an error of that arm and version.
 */
export interface FailedPredictionRecord {
  readonly requestId: string;
  readonly model: string;
  readonly version: number;
  readonly semver: string;
  readonly arm: string;
  /** Texts in the request: each counts as one failed answer, like each answered text counts as one. */
  readonly inputs: number;
  /** The error's code (ARTIFACT_TAMPERED, INTERNAL…). */
  readonly code: string;
  /** Time until the arm failed, in ms. */
  readonly latencyMs: number;
  readonly createdAt: number;
}

/**
 * The arm that answers a request when `failed` could not: the baseline (the Production version)
 * takes a failing candidate's request, so a broken candidate costs the guardrails an error and
 * the client nothing. Nothing stands in for the baseline or the Production version itself.
 */
export function fallbackArm<A extends { readonly arm: string }>(arms: readonly A[], failed: A): A | undefined {
  return failed.arm === CANDIDATE_ARM ? arms.find((arm) => arm.arm === BASELINE_ARM) : undefined;
}

/** A recorded prediction with the true label attached later, if any. */
export interface StoredPrediction extends PredictionRecord {
  readonly feedbackLabel: number | null;
  readonly feedbackAt: number | null;
  readonly feedbackActor: string | null;
}

/**
 * A request id: the time it was issued (ms since the epoch, 12 hex digits, enough until the
 * year 10889), then `random` (8 bytes) in hex. The time lets feedback tell an id that may
 * still wait in another process's log buffer from one that never existed (`requestIssuedAt`).
 */
export function newRequestId(issuedAt: number, random: Uint8Array): string {
  let id = Math.floor(issuedAt).toString(16).padStart(12, '0');
  for (const byte of random) id += (byte < 16 ? '0' : '') + byte.toString(16);
  return id;
}

const REQUEST_ID = /^([0-9a-f]{12})[0-9a-f]{16}(?:\.\d+)?$/;

/** When the request behind a prediction id (`newRequestId`, or `<requestId>.<i>`) was issued; undefined for an id Warden did not make. */
export function requestIssuedAt(predictionId: string): number | undefined {
  const match = REQUEST_ID.exec(predictionId);
  return match === null ? undefined : Number.parseInt(match[1]!, 16);
}

/** How far two hosts' clocks may disagree about when a request id was issued. */
const CLOCK_SKEW_MS = 1000;

/**
 * Whether a prediction id not found in the store may still wait in another process's log
 * buffer, which holds it for at most `waitMs`: only an id Warden issued less than that long
 * ago (give or take the skew between hosts' clocks). An older one, or one Warden never issued,
 * is unknown for good.
 */
export function mayStillBeBuffered(predictionId: string, now: number, waitMs: number): boolean {
  const issuedAt = requestIssuedAt(predictionId);
  return issuedAt !== undefined && now < issuedAt + waitMs + CLOCK_SKEW_MS;
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
/** Longest subject key a request may name for sticky arm assignment. */
export const MAX_SUBJECT_LENGTH = 200;
