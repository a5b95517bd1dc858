/**
 * MLflow 2.9.2's figures on this machine (its server with 4 gunicorn workers on SQLite,
 * same workloads, loopback), the one place the benches read them from. MLflow cannot be
 * installed here, so these are the figures the issues quote:
 * - issue 2 (registry bench): registered-model get 210 req/s at c=1 / 255 at c=8, model-version
 *   create 45 / 60, stage transition 115 / 185;
 * - issue 3 (tracking bench): log-batch of 100 metrics 35 req/s (3,500 metrics/s) at c=1, 47 at c=8;
 *   a run search returning 1,000 runs 1.25 s (c=1);
 * - issue 8 (throughput on every core): 40–50 log-batch req/s and 150–200 transitions/s at c=8
 *   (where its range is above issue 2/3's figure, the top of the range is used, so ratios err low).
 * No issue gives MLflow's model-version search. Its run search at c=8 is not given either: with 4
 * workers on 2 cores it can do at most about twice its c=1 rate, so 2 × (1 / 1.25 s) is used, an
 * upper bound on MLflow (so the ratio is a lower bound). Warden's aim is 30× every figure.
 */
export const MLFLOW_REFERENCE = {
  'get model': { 1: 210, 8: 255 },
  'create version': { 1: 45, 8: 60 },
  'transition stage': { 1: 115, 8: 200 },
  'log-batch 100 metrics': { 1: 35, 8: 50 },
  'run search 1,000 of 10,000': { 1: 1 / 1.25, 8: 2 / 1.25 },
} as const satisfies Record<string, { 1: number; 8: number }>;

export type ReferenceCase = keyof typeof MLFLOW_REFERENCE;

/** The aim: this many times MLflow's req/s on every case, at c=1 and at c=8. */
export const TARGET_RATIO = 30;

/** `req/s ÷ MLflow's req/s`, as `12.3×`, or `—` when the issues give no MLflow figure for that case. */
export function ratioToMlflow(name: string, connections: number, reqPerS: number): string {
  const reference = (MLFLOW_REFERENCE as Record<string, Record<number, number> | undefined>)[name]?.[connections];
  if (reference === undefined) return '—';
  const ratio = reqPerS / reference;
  return `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`;
}
