/**
 * Live serving: `predict` answers with whatever serves the model right now (its live
 * deployment: today the Production version as the only arm), `predictPinned` with a named
 * version, and `feedback` attaches true labels to recorded predictions.
 *
 * Each process keeps the live deployment of every model it served in memory, its classifiers
 * loaded (verified once, through the ModelLoader's bounded cache). A stage change reaches every
 * process as a domain event; the process then loads the new version first and swaps the whole
 * deployment in one assignment, so a request in flight finishes on the version it started with
 * and none waits for the load. A version that fails to load is never switched to: the old one
 * keeps serving and the failure is logged and counted. A deployment's candidate that fails here
 * (to load, or while scoring) is recorded as that arm's error and its requests are answered by
 * the baseline, so the guardrails roll it back while no client sees a failure.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WardenError, invalid, isWardenError } from '../domain/errors.js';
import type { Role } from '../domain/auth.js';
import type { Clock } from '../domain/ports/clock.js';
import type { StageChangedEvent } from '../domain/ports/domain-events.js';
import type { PredictionStore } from '../domain/ports/prediction-store.js';
import type { ServingMetrics } from '../domain/ports/serving-metrics.js';
import type { SiblingPredictionFlush } from '../domain/ports/sibling-prediction-flush.js';
import type { ModelVersion } from '../domain/registry/index.js';
import { mirrors, pickArm } from '../domain/deployments/traffic.js';
import type { DeploymentStore } from '../domain/ports/deployment-store.js';
import type { DeploymentChangedEvent } from '../domain/ports/domain-events.js';
import {
  BINARY_LABELS,
  PINNED_ARM,
  describeInput,
  fallbackArm,
  liveDeploymentOf,
  predictionId,
  mayStillBeBuffered,
  validateFeedbackLabel,
  type LiveArm,
  type LiveDeployment,
  type StoredPrediction,
} from '../domain/serving.js';
import { predictBatch, type Prediction, type TextClassifier } from '../ml/index.js';
import type { ModelLoader } from './model-loader.js';
import type { PredictionLog } from './prediction-log.js';
import type { InputMonitor } from './input-monitor.js';
import type { RegistryService, VersionRefInput } from './registry-service.js';

/** Longest text accepted, in characters (featurisers read a prefix; the body limit bounds the rest). */
export const MAX_TEXT_CHARS = 1_000_000;
/** Most feedback items in one call. */
export const MAX_FEEDBACK_ITEMS = 1_000;

/** The metrics label of a failed request for a model this process does not serve. */
export const OTHER_MODEL = '(other)';

export interface ServedPrediction {
  /** What `POST /feedback` names as `requestId` for this input. */
  readonly id: string;
  readonly label: number;
  readonly probability: number;
  readonly score: number;
  readonly version: number;
  readonly semver: string;
  readonly arm: string;
}

export interface PredictAnswer {
  readonly requestId: string;
  readonly model: string;
  /** Whether the answering version serves the model's live traffic (always true on the live route). */
  readonly live: boolean;
  /** The answering version's decision threshold on the probability. */
  readonly threshold: number;
  readonly predictions: ServedPrediction[];
}

export interface PredictRequest {
  readonly requestId: string;
  readonly texts: readonly string[];
  /** `{texts}` (ids `<requestId>.<i>`) rather than `{text}` (id = requestId). */
  readonly batch: boolean;
  /** Who the request is for: during a deployment in flight one subject always lands in the same arm. */
  readonly subject?: string;
}

export interface FeedbackItem {
  readonly requestId: string;
  readonly label: unknown;
}

export interface FeedbackOutcome {
  readonly requestId: string;
  /** `recorded`, or `unknown`: no such prediction (never made, not written yet on another process, or past retention). */
  readonly status: 'recorded' | 'unknown';
  readonly model?: string;
  readonly version?: number;
}

interface LiveArmState extends LiveArm {
  /**
   * null when the version failed to load in this process, which only a candidate or a shadow
   * may do (the baseline stands in for them): each request it gets fails with `loadError`.
   */
  readonly classifier: TextClassifier | null;
  readonly loadError?: unknown;
}

/** A model's live deployment with its classifiers loaded; null = the model exists but nothing serves it. */
interface LiveState {
  readonly deployment: LiveDeployment;
  readonly arms: readonly LiveArmState[];
  readonly mirror: LiveArmState | null;
}

export interface ServingServiceDeps {
  readonly registry: Pick<RegistryService, 'getVersion' | 'productionVersion'>;
  /** The deployment in flight of a model sets its arms (canary steps, A/B weights, a shadow). */
  readonly deployments: Pick<DeploymentStore, 'inFlight'>;
  /** Where a subject falls in [0, 1) under a deployment's assignment key (an HMAC; see system/sticky-assignment.ts). */
  readonly subjectUnit: (key: string, subject: string) => number;
  /** Uniform in [0, 1): the arm of a request without a subject, and whether it is mirrored. Math.random by default. */
  readonly random?: () => number;
  readonly loader: Pick<ModelLoader, 'loadVersion' | 'keepWarm'>;
  readonly predictionLog: Pick<PredictionLog, 'record' | 'recordFailure' | 'flush'>;
  readonly predictions: Pick<PredictionStore, 'findByIds' | 'attachFeedback' | 'listRecent'>;
  readonly metrics: ServingMetrics;
  readonly clock: Clock;
  /** Most texts in one request (WARDEN_PREDICT_MAX_BATCH). */
  readonly maxBatch: number;
  /** Describes each input for drift monitoring (and samples a few); absent = predictions carry no descriptors. */
  readonly inputMonitor?: Pick<InputMonitor, 'score' | 'observe' | 'prepare'>;
  /**
   * How long feedback waits for ids it cannot find yet before calling them unknown, in ms: a
   * prediction another process made waits in that process's log buffer until its next flush.
   * Only ids issued less than this long ago wait (`mayStillBeBuffered`). 0 (the default) when this
   * process is the only one that serves: its own buffer is flushed before the lookup, so a
   * missing id is unknown at once.
   */
  readonly unknownFeedbackWaitMs?: number;
  /** The other serving processes of this server, asked to flush at once when feedback cannot find an id (absent: none, or none reachable). */
  readonly siblings?: Pick<SiblingPredictionFlush, 'request'>;
  readonly log?: (level: 'info' | 'error', message: string, fields: Record<string, unknown>) => void;
}

/** How often feedback looks again for ids another process may still be about to write. */
const FEEDBACK_RETRY_MS = 50;

export type LiveChangeListener = (model: string, deployment: LiveDeployment | null) => void;

export class ServingService {
  /** Models this process served (or is asked to serve), by name. */
  private readonly live = new Map<string, LiveState | null>();
  /** First loads in flight, so concurrent first requests share one. */
  private readonly firstLoads = new Map<string, Promise<LiveState | null>>();
  /** Order of live reads: a read applies only if no later-started read applied before it. */
  private reads = 0;
  private readonly appliedRead = new Map<string, number>();
  private readonly listeners = new Set<LiveChangeListener>();
  /** Arms whose failure was logged once already (each further failure is only recorded and counted). */
  private readonly reportedFailures = new WeakSet<LiveArmState>();

  constructor(private readonly deps: ServingServiceDeps) {}

  get maxBatch(): number {
    return this.deps.maxBatch;
  }

  /** Predicts with the model's live deployment. MODEL_NOT_LIVE when it has none. */
  async predict(model: string, request: PredictRequest): Promise<PredictAnswer> {
    const started = performance.now();
    try {
      this.checkTexts(request.texts);
      const known = this.live.get(model);
      const state = known !== undefined ? known : await this.liveState(model);
      if (state === null) throw notLive(model);
      const arm = state.arms.length === 1 ? state.arms[0]! : pickArm(state.arms, this.drawFor(state.deployment, request.subject));
      const answer = this.answerLive(model, state, arm, request, started);
      if (state.mirror !== null && mirrors(state.mirror, this.random())) this.shadow(model, state.mirror, request, answer);
      return answer;
    } catch (error) {
      this.deps.metrics.requestFailed(this.modelLabel(model), codeOf(error));
      throw error;
    }
  }

  /**
   * Predicts with a named version, live or not (`live` says which). Archived versions answer
   * only an admin (investigating a rollback); for anyone else VERSION_ARCHIVED.
   */
  async predictPinned(model: string, version: VersionRefInput, request: PredictRequest, actor: { readonly role?: Role }): Promise<PredictAnswer> {
    const started = performance.now();
    try {
      this.checkTexts(request.texts);
      const found = await this.deps.registry.getVersion(model, version);
      if (found.stage === 'Archived' && actor.role !== undefined && actor.role !== 'admin') {
        throw new WardenError('VERSION_ARCHIVED', `${model} ${found.semver} is Archived; only an admin may predict with it`, { field: 'version', details: { version: found.number, stage: found.stage } });
      }
      const { classifier } = await this.deps.loader.loadVersion(found);
      await this.deps.inputMonitor?.prepare(found);
      const state = this.live.get(model);
      const live = state ? state.arms.some((a) => a.version.number === found.number) : found.stage === 'Production';
      return this.answer(model, found, PINNED_ARM, classifier, request, started, live);
    } catch (error) {
      this.deps.metrics.requestFailed(this.modelLabel(model), codeOf(error));
      throw error;
    }
  }

  /**
   * Attaches true labels. Each label must be in the predicting model's label set (else
   * VALIDATION_FAILED naming `items[i].label`, nothing written); an unknown id is reported per item.
   */
  async feedback(items: readonly FeedbackItem[], actor: { readonly name: string }): Promise<FeedbackOutcome[]> {
    if (items.length === 0 || items.length > MAX_FEEDBACK_ITEMS) throw invalid('items', `give 1-${MAX_FEEDBACK_ITEMS} feedback items`);
    const ids = [...new Set(items.map((i) => i.requestId))];
    let found = await this.deps.predictions.findByIds(ids);
    if (found.length < ids.length) {
      // A prediction this process made may still wait in the log's buffer.
      await this.deps.predictionLog.flush();
      found = await this.deps.predictions.findByIds(ids);
    }
    // One another API process made waits in its buffer until its next flush: a client that
    // labels an answer at once must not be told its prediction is unknown.
    const waitMs = this.deps.unknownFeedbackWaitMs ?? 0;
    const deadline = performance.now() + waitMs;
    const mayBeBuffered = (id: string): boolean => mayStillBeBuffered(id, this.deps.clock.now(), waitMs);
    let seen = new Set(found.map((p) => p.id));
    let pending = ids.filter((id) => !seen.has(id) && mayBeBuffered(id));
    if (pending.length > 0) this.deps.siblings?.request();
    while (pending.length > 0 && performance.now() < deadline) {
      await sleep(Math.min(FEEDBACK_RETRY_MS, Math.max(1, deadline - performance.now())));
      found = [...found, ...(await this.deps.predictions.findByIds(pending))];
      seen = new Set(found.map((p) => p.id));
      pending = pending.filter((id) => !seen.has(id) && mayBeBuffered(id));
    }
    const byId = new Map(found.map((p) => [p.id, p]));
    items.forEach((item, i) => {
      if (byId.has(item.requestId)) validateFeedbackLabel(item.label, BINARY_LABELS, `items[${i}].label`);
    });
    const at = this.deps.clock.now();
    await this.deps.predictions.attachFeedback(
      items.filter((i) => byId.has(i.requestId)).map((i) => ({ id: i.requestId, label: i.label as number, actor: actor.name, at })),
    );
    return items.map((item) => {
      const p = byId.get(item.requestId);
      return p === undefined ? { requestId: item.requestId, status: 'unknown' } : { requestId: item.requestId, status: 'recorded', model: p.model, version: p.version };
    });
  }

  /**
   * A stage-changed event (from any process): when it moves a version into or out of Production
   * for a model this process serves, load the new live deployment, then swap it in.
   */
  async onStageChanged(event: Pick<StageChangedEvent, 'model' | 'from' | 'to' | 'version'>): Promise<void> {
    if (event.from !== 'Production' && event.to !== 'Production') return;
    await this.refresh(event.model, event.version);
  }

  /**
   * A deployment moved (from any process): its model's arms change; reload them the same way.
   * A finished blue-green switch first pins the version it replaced in the model cache for its
   * keep-warm window, so a switch back within it loads nothing.
   */
  async onDeploymentChanged(event: Pick<DeploymentChangedEvent, 'model' | 'candidate' | 'keepWarm'>): Promise<void> {
    if (event.keepWarm !== undefined && (this.live.has(event.model) || this.firstLoads.has(event.model))) await this.keepWarm(event.model, event.keepWarm);
    await this.refresh(event.model, event.candidate);
  }

  private async keepWarm(model: string, window: { readonly version: number; readonly until: number }): Promise<void> {
    try {
      await this.deps.loader.keepWarm(await this.deps.registry.getVersion(model, window.version), window.until);
    } catch (error) {
      // Only the switch back gets slower (it loads the version then); serving is not affected.
      this.deps.log?.('error', 'the version a blue-green switch replaced could not be kept warm', { model, version: window.version, err: error });
    }
  }

  private async refresh(model: string, version: number): Promise<void> {
    if (!this.live.has(model) && !this.firstLoads.has(model)) return; // not served here: loaded on first request
    const previous = this.live.get(model);
    try {
      const next = await this.readLive(model);
      this.deps.metrics.liveSwap(model, next === null ? 'stopped' : 'switched');
      this.deps.log?.('info', next === null ? 'live model stopped: no Production version' : 'live model switched', {
        model,
        from: previous?.arms.map((a) => `${a.arm} ${a.version.semver} ${a.percent}%`) ?? [],
        to: next?.arms.map((a) => `${a.arm} ${a.version.semver} ${a.percent}%`) ?? [],
      });
    } catch (error) {
      this.deps.metrics.liveSwap(model, 'load-failed');
      this.deps.log?.('error', 'live model not switched: the new version failed to load; the previous one keeps serving', {
        model,
        version,
        serving: previous?.arms.map((a) => a.version.semver) ?? [],
        err: error,
      });
    }
  }

  /** The newest recorded predictions of a model, newest first (written ones: call the log's flush first for this process's latest). */
  recentPredictions(model: string, limit: number): Promise<StoredPrediction[]> {
    return this.deps.predictions.listRecent(model, limit);
  }

  /** What serves `model` in this process now (undefined = not loaded here, null = nothing live). */
  liveDeployment(model: string): LiveDeployment | null | undefined {
    const state = this.live.get(model);
    return state === undefined ? undefined : state === null ? null : state.deployment;
  }

  /** Called after every swap this process applies; returns the unsubscribe function. */
  onLiveChange(listener: LiveChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Metrics name only models this process serves: any other name a client sends would be a new series. */
  private modelLabel(model: string): string {
    return this.live.has(model) ? model : OTHER_MODEL;
  }

  private checkTexts(texts: readonly string[]): void {
    if (texts.length === 0 || texts.length > this.deps.maxBatch) throw invalid('texts', `give 1-${this.deps.maxBatch} texts`);
    texts.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0 || t.length > MAX_TEXT_CHARS) throw invalid(`texts[${i}]`, `each text is a non-empty string of at most ${MAX_TEXT_CHARS} characters`);
    });
  }

  /**
   * The arm's answer; when the arm fails (a candidate that did not load here, or threw while
   * scoring) the failure is recorded against that arm and version, and its fallback (the
   * baseline) answers, so a broken candidate costs the client nothing and the guardrails an error.
   */
  private answerLive(model: string, state: LiveState, arm: LiveArmState, request: PredictRequest, started: number): PredictAnswer {
    try {
      return this.answer(model, arm.version, arm.arm, classifierOf(arm), request, started, true);
    } catch (error) {
      const fallback = fallbackArm(state.arms, arm);
      if (fallback === undefined || fallback.classifier === null) throw error;
      this.recordFailure(model, arm, request, started, error);
      return this.answer(model, fallback.version, fallback.arm, fallback.classifier, request, started, true);
    }
  }

  /** A request `arm` failed to answer, in the prediction log (the guardrails read it) and the metrics; an arm's first failure is logged with its error, the rest only counted. */
  private recordFailure(model: string, arm: LiveArmState, request: PredictRequest, started: number, error: unknown): void {
    const code = codeOf(error);
    this.deps.predictionLog.recordFailure({
      requestId: request.requestId,
      model,
      version: arm.version.number,
      semver: arm.version.semver,
      arm: arm.arm,
      inputs: request.texts.length,
      code,
      latencyMs: performance.now() - started,
      createdAt: this.deps.clock.now(),
    });
    this.deps.metrics.armFailed({ model, version: arm.version.number, arm: arm.arm }, code);
    if (!this.reportedFailures.has(arm)) {
      this.reportedFailures.add(arm);
      this.deps.log?.('error', 'a deployment arm failed to answer: its requests are recorded as errors (a candidate\'s are answered by the baseline)', { model, version: arm.version.semver, arm: arm.arm, err: error });
    }
  }

  private answer(model: string, version: ModelVersion, arm: string, classifier: TextClassifier, request: PredictRequest, started: number, live: boolean): PredictAnswer {
    const served = this.scoreAndRecord(model, version, arm, classifier, request, started, (i) => predictionId(request.requestId, i, request.batch));
    return { requestId: request.requestId, model, live, threshold: classifier.threshold, predictions: served };
  }

  /** Scores the request's texts with one version, records each answer in the prediction log, and counts the request. */
  private scoreAndRecord(model: string, version: ModelVersion, arm: string, classifier: TextClassifier, request: PredictRequest, started: number, idOf: (index: number) => string): ServedPrediction[] {
    const monitor = this.deps.inputMonitor;
    const answering = { version, classifier };
    // With monitoring on, the monitor scores: it draws the described inputs first, so their monitoring reuses their scoring.
    const scored = monitor?.score(request.texts, answering);
    const predictions: readonly Prediction[] = scored?.map((s) => s.prediction) ?? predictBatch(classifier, request.texts);
    const latencyMs = performance.now() - started;
    const createdAt = this.deps.clock.now();
    const served = predictions.map((p, i) => {
      const id = idOf(i);
      this.deps.predictionLog.record({
        id,
        requestId: request.requestId,
        model,
        version: version.number,
        semver: version.semver,
        arm,
        label: p.label,
        probability: p.probability,
        score: p.score,
        latencyMs,
        createdAt,
        ...describeInput(request.texts[i]!),
        ...(scored === undefined ? undefined : monitor?.observe(model, request.texts[i]!, answering, scored[i]!)),
      });
      return { id, label: p.label, probability: p.probability, score: p.score, version: version.number, semver: version.semver, arm };
    });
    this.deps.metrics.requestServed({ model, version: version.number, arm }, predictions.length, latencyMs / 1000);
    return served;
  }


  private liveState(model: string): Promise<LiveState | null> {
    let loading = this.firstLoads.get(model);
    if (loading === undefined) {
      loading = this.readLive(model).finally(() => this.firstLoads.delete(model));
      this.firstLoads.set(model, loading);
    }
    return loading;
  }

  private random(): number {
    return (this.deps.random ?? Math.random)();
  }

  /** The request's draw in [0, 1): its subject's place under the deployment's key, or chance. */
  private drawFor(deployment: LiveDeployment, subject: string | undefined): number {
    return subject !== undefined && deployment.assignmentKey !== null ? this.deps.subjectUnit(deployment.assignmentKey, subject) : this.random();
  }

  /**
   * The shadow's copy of an answered request, after the answer is on its way: recorded with arm
   * `shadow` and ids `<id>.shadow`, never returned; a shadow that fails costs only a counted error.
   */
  private shadow(model: string, mirror: LiveArmState, request: PredictRequest, answer: PredictAnswer): void {
    setImmediate(() => {
      const started = performance.now();
      try {
        this.scoreAndRecord(model, mirror.version, mirror.arm, classifierOf(mirror), request, started, (i) => `${answer.predictions[i]!.id}.shadow`);
      } catch (error) {
        this.recordFailure(model, mirror, request, started, error);
      }
    });
  }

  /** Reads the live deployment (the deployment in flight, else Production), loads every arm, then (unless a later read won) swaps it in. */
  private async readLive(model: string): Promise<LiveState | null> {
    const read = ++this.reads;
    const [production, inFlight] = await Promise.all([
      this.deps.registry.productionVersion(model),
      this.deps.deployments.inFlight(model),
    ]);
    let deploymentVersions: Map<number, ModelVersion> | undefined;
    if (inFlight !== undefined) {
      const numbers = [inFlight.deployment.candidate, ...(inFlight.deployment.baseline === null ? [] : [inFlight.deployment.baseline])];
      deploymentVersions = new Map(await Promise.all(numbers.map(async (n) => [n, await this.deps.registry.getVersion(model, n)] as const)));
    }
    const deployment = liveDeploymentOf(model, production, inFlight && deploymentVersions ? { deployment: inFlight.deployment, versions: deploymentVersions } : undefined);
    // A candidate or a shadow that fails to load here is kept as a failing arm (its requests
    // recorded as errors, the baseline answering them), so the guardrails see it and roll it
    // back; a version nothing stands in for must load, or nothing is swapped.
    const loaded = async (arm: LiveArm, standIn: boolean): Promise<LiveArmState> => {
      try {
        const { classifier } = await this.deps.loader.loadVersion(arm.version);
        // Its training vocabulary (for the out-of-vocabulary descriptor) is ready before its first answer; never fails the load.
        await this.deps.inputMonitor?.prepare(arm.version);
        return { ...arm, classifier };
      } catch (error) {
        if (!standIn) throw error;
        this.deps.metrics.liveSwap(model, 'load-failed');
        return { ...arm, classifier: null, loadError: error };
      }
    };
    const state: LiveState | null =
      deployment === undefined
        ? null
        : {
            deployment,
            arms: await Promise.all(deployment.arms.map((arm) => loaded(arm, fallbackArm(deployment.arms, arm) !== undefined))),
            mirror: deployment.mirror === null ? null : await loaded(deployment.mirror, true),
          };
    if (read > (this.appliedRead.get(model) ?? 0)) {
      this.appliedRead.set(model, read);
      this.live.set(model, state);
      for (const listener of this.listeners) listener(model, state?.deployment ?? null);
    }
    return this.live.get(model) ?? null;
  }
}

function notLive(model: string): WardenError {
  return new WardenError('MODEL_NOT_LIVE', `"${model}" has no Production version, so nothing serves it; promote one (\`warden deploy ${model} <version>\`) or predict with a pinned version`, {
    field: 'model',
  });
}

function classifierOf(arm: LiveArmState): TextClassifier {
  if (arm.classifier === null) throw arm.loadError;
  return arm.classifier;
}

function codeOf(error: unknown): string {
  return isWardenError(error) ? error.code : 'INTERNAL';
}
