/**
 * Webhook notifications of alerts. Each alert-fired / alert-resolved event (from the outbox,
 * once per cluster) becomes one `notify-webhook` job per configured webhook that wants it;
 * the job POSTs the alert, signed, and the queue retries it with exponential backoff while
 * the receiver fails. The job's payload names the webhook and the alert, never the URL or
 * the secret (job payloads are readable by viewers).
 */
import { notificationBody, notificationTargets, type AlertTransition, type WebhookTarget } from '../domain/alerts/index.js';
import type { AlertStore } from '../domain/ports/alert-store.js';
import type { Clock } from '../domain/ports/clock.js';
import type { AlertFiredEvent, AlertResolvedEvent } from '../domain/ports/domain-events.js';
import type { JobContext, JobHandlers, JobQueue } from '../domain/ports/job-queue.js';
import type { Job } from '../domain/jobs.js';
import type { WebhookSender } from '../domain/ports/webhook-sender.js';

export interface AlertNotifierDeps {
  readonly store: Pick<AlertStore, 'get'>;
  readonly jobs: Pick<JobQueue, 'submit'>;
  readonly webhooks: readonly WebhookTarget[];
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** Attempts per notification (the queue's backoff doubles between them). */
  readonly maxAttempts: number;
  /** Per attempt, in ms. */
  readonly timeoutMs: number;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** A failure that the same request would meet again (a 4xx, a webhook no longer configured): not retried. */
class PermanentNotificationFailure extends Error {
  readonly retryable = false;
}

/** Statuses worth another try: the receiver is down, overloaded or asked to slow down. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export class AlertNotifier {
  constructor(private readonly deps: AlertNotifierDeps) {}

  /** Queues the event's notifications (idempotent: a redelivered event finds its jobs). */
  async onAlertEvent(event: AlertFiredEvent | AlertResolvedEvent): Promise<Job[]> {
    if (this.deps.webhooks.length === 0) return [];
    const transition: AlertTransition = event.type === 'alert-fired' ? 'fired' : 'resolved';
    const targets = notificationTargets(this.deps.webhooks, { severity: event.severity, silencedBy: event.silenced ? 'silenced' : null });
    const jobs: Job[] = [];
    for (const target of targets) {
      const { job } = await this.deps.jobs.submit({
        kind: 'notify-webhook',
        payload: { webhook: target.name, alertId: event.alertId, transition },
        idempotencyKey: `alert-notify:${target.name}:${event.alertId}:${transition}`,
        maxAttempts: this.deps.maxAttempts,
      });
      jobs.push(job);
    }
    return jobs;
  }

  handlers(): JobHandlers {
    return { 'notify-webhook': (context) => this.deliver(context) };
  }

  private async deliver(context: JobContext): Promise<{ webhook: string; status: number; attempt: number }> {
    const { webhook, alertId, transition } = context.payload;
    const target = this.deps.webhooks.find((t) => t.name === webhook);
    if (target === undefined) throw new PermanentNotificationFailure(`webhook ${String(webhook)} is no longer configured (WARDEN_ALERT_WEBHOOKS)`);
    if (transition !== 'fired' && transition !== 'resolved') throw new PermanentNotificationFailure('payload.transition must be fired or resolved');
    const stored = await this.deps.store.get(String(alertId));
    if (stored === undefined) throw new PermanentNotificationFailure(`alert ${String(alertId)} no longer exists`);
    const now = this.deps.clock.now();
    const body = JSON.stringify(notificationBody(stored.alert, transition, target.format, now));
    let status: number;
    try {
      ({ status } = await this.deps.sender.post({
        url: target.url,
        body,
        secret: target.secret,
        timestamp: String(Math.floor(now / 1000)),
        event: `alert-${transition}`,
        deliveryId: context.job.id,
        signal: context.signal,
        timeoutMs: this.deps.timeoutMs,
      }));
    } catch (error) {
      context.signal.throwIfAborted();
      context.log(`attempt ${context.attempt}: no answer from webhook ${target.name} (${(error as Error).message})`);
      throw new Error(`no answer from webhook ${target.name}: ${(error as Error).message}`, { cause: error });
    }
    if (status >= 200 && status < 300) {
      context.log(`attempt ${context.attempt}: webhook ${target.name} answered ${status}`);
      return { webhook: target.name, status, attempt: context.attempt };
    }
    context.log(`attempt ${context.attempt}: webhook ${target.name} answered ${status}`);
    const message = `webhook ${target.name} answered ${status}`;
    if (!retryableStatus(status)) throw new PermanentNotificationFailure(`${message}; a ${status} is not retried`);
    this.deps.log?.('warn', 'alert notification failed; retried with backoff', { webhook: target.name, alert: stored.alert.id, status, attempt: context.attempt });
    throw new Error(message);
  }
}
