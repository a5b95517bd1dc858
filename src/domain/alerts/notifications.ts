/**
 * Alert notifications: the webhooks an operator configured, what each one is sent when an
 * alert fires or resolves (Warden's JSON, or a Slack-compatible `{text, blocks}`), and the
 * text a signature covers. Pure: signing and sending are an adapter's (WebhookSender).
 */
import { invalid } from '../errors.js';
import type { JsonObject } from '../jobs.js';
import type { Alert } from './episodes.js';
import { ALERT_SEVERITIES, type AlertSeverity } from './rules.js';

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const ALERT_TRANSITIONS = ['fired', 'resolved'] as const;
export type AlertTransition = (typeof ALERT_TRANSITIONS)[number];

export interface WebhookTarget {
  /** `[a-z0-9][a-z0-9._-]*`: names the webhook in jobs and logs (its URL and secret never appear there). */
  readonly name: string;
  readonly url: string;
  /** HMAC-SHA256 key of `X-Warden-Signature` (≥ 16 characters); required for `json`, optional for `slack`. */
  readonly secret: string | null;
  readonly format: WebhookFormat;
  /** Alerts below this severity are not sent here. */
  readonly minSeverity: AlertSeverity;
}

/** A webhook as the API shows it: where it goes, never its path, query or secret (a Slack URL is itself a credential). */
export interface WebhookView {
  readonly name: string;
  readonly origin: string;
  readonly format: WebhookFormat;
  readonly minSeverity: AlertSeverity;
  readonly signed: boolean;
}

const WEBHOOK_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_URL = 2048;
const MIN_SECRET = 16;

export function severityAtLeast(severity: AlertSeverity, min: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(min);
}

/**
 * Why `url` is not acceptable as a webhook, or undefined: absolute http(s) only, https unless
 * the host is this machine's loopback, no credentials (they would travel in logs and proxies),
 * no fragment, at most 2,048 characters.
 */
export function webhookUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL) return `url must be 1-${MAX_URL} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\s\u0000-\u001f\u007f]/.test(url)) return 'url must not contain spaces or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'url must use https (or http to a loopback address)';
  if (parsed.protocol === 'http:' && !LOOPBACK_HOSTS.has(parsed.hostname)) return 'url must use https unless it points at a loopback address';
  if (parsed.username !== '' || parsed.password !== '') return 'url must not carry credentials; sign with the secret instead';
  if (parsed.hash !== '' || url.includes('#')) return 'url must not have a fragment';
  if (parsed.hostname === '') return 'url must name a host';
  return undefined;
}

/** Validates the configured webhooks (VALIDATION_FAILED naming `[i].field`); names are unique. */
export function validateWebhooks(raw: unknown): WebhookTarget[] {
  if (!Array.isArray(raw)) throw invalid('webhooks', 'must be a JSON array of {name, url, secret?, format?, minSeverity?}');
  const names = new Set<string>();
  return raw.map((entry: unknown, i) => {
    const at = `[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalid(at, 'each webhook must be an object');
    const e = entry as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      if (!['name', 'url', 'secret', 'format', 'minSeverity'].includes(key)) throw invalid(`${at}.${key}`, 'unknown field; use name, url, secret, format, minSeverity');
    }
    if (typeof e.name !== 'string' || !WEBHOOK_NAME.test(e.name)) throw invalid(`${at}.name`, 'name must be 1-64 of a-z, 0-9, ".", "_", "-"');
    if (names.has(e.name)) throw invalid(`${at}.name`, `webhook ${e.name} is listed twice`);
    names.add(e.name);
    const problem = webhookUrlProblem(e.url);
    if (problem !== undefined) throw invalid(`${at}.url`, problem);
    const format = e.format ?? 'json';
    if (!(WEBHOOK_FORMATS as readonly unknown[]).includes(format)) throw invalid(`${at}.format`, `format must be one of ${WEBHOOK_FORMATS.join(', ')}`);
    const minSeverity = e.minSeverity ?? 'warning';
    if (!(ALERT_SEVERITIES as readonly unknown[]).includes(minSeverity)) throw invalid(`${at}.minSeverity`, `minSeverity must be one of ${ALERT_SEVERITIES.join(', ')}`);
    const secret = e.secret ?? null;
    if (secret !== null && (typeof secret !== 'string' || secret.length < MIN_SECRET || secret.length > 1024)) throw invalid(`${at}.secret`, `secret must be ${MIN_SECRET}-1024 characters`);
    if (secret === null && format === 'json') throw invalid(`${at}.secret`, 'a json webhook needs a secret: receivers verify X-Warden-Signature with it');
    return { name: e.name, url: e.url as string, secret, format: format as WebhookFormat, minSeverity: minSeverity as AlertSeverity };
  });
}

export function webhookView(target: WebhookTarget): WebhookView {
  return { name: target.name, origin: new URL(target.url).origin, format: target.format, minSeverity: target.minSeverity, signed: target.secret !== null };
}

/** The webhooks an alert's transition goes to: severe enough, and not muted by a silence. */
export function notificationTargets(targets: readonly WebhookTarget[], alert: Pick<Alert, 'severity' | 'silencedBy'>): WebhookTarget[] {
  if (alert.silencedBy !== null) return [];
  return targets.filter((target) => severityAtLeast(alert.severity, target.minSeverity));
}

/** What a signature covers: the timestamp header's value, a dot, the exact body bytes (as in Stripe's and Slack's schemes). */
export function signedText(timestamp: string, body: string): string {
  return `${timestamp}.${body}`;
}

function alertJson(alert: Alert): JsonObject {
  return {
    id: alert.id,
    fingerprint: alert.fingerprint,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    state: alert.state,
    model: alert.model,
    version: alert.version,
    metric: alert.metric,
    summary: alert.summary,
    value: alert.value,
    baseline: alert.baseline,
    details: alert.details,
    firedAt: alert.firedAt,
    resolvedAt: alert.resolvedAt,
    resolution: alert.resolution ?? null,
    breaches: alert.breaches,
  };
}

const SLACK_ICONS: Readonly<Record<AlertSeverity, string>> = { info: ':information_source:', warning: ':warning:', critical: ':rotating_light:' };

/** The body sent for an alert's transition, in the webhook's format. */
export function notificationBody(alert: Alert, transition: AlertTransition, format: WebhookFormat, sentAt: number): JsonObject {
  if (format === 'json') return { type: `alert-${transition}`, sentAt, alert: alertJson(alert) };
  const subject = `${alert.model}${alert.version === null ? '' : ` v${alert.version}`}`;
  const head =
    transition === 'fired'
      ? `${SLACK_ICONS[alert.severity]} [${alert.severity.toUpperCase()}] ${alert.rule} fired for ${subject}`
      : `:white_check_mark: [RESOLVED] ${alert.rule} for ${subject}`;
  const text = `${head}: ${alert.summary}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${head}*\n${alert.summary}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: [`alert \`${alert.id}\``, `fired ${new Date(alert.firedAt).toISOString()}`, ...(alert.resolvedAt === null ? [] : [`resolved ${new Date(alert.resolvedAt).toISOString()}`])].join(' · '),
          },
        ],
      },
    ],
  };
}
