import { createHmac } from 'node:crypto';
import { signedText } from '../domain/alerts/notifications.js';
import type { WebhookRequest, WebhookSender } from '../domain/ports/webhook-sender.js';

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): what X-Warden-Signature carries. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(signedText(timestamp, body)).digest('hex')}`;
}

/**
 * Webhooks over HTTP(S) with fetch: one POST, no redirects followed (a redirect could take a
 * signed alert somewhere the operator did not choose), a timeout per attempt. A failure's
 * message names the host only, never the path or query (a Slack URL's path is its secret).
 */
export class HttpWebhookSender implements WebhookSender {
  async post(request: WebhookRequest): Promise<{ status: number }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'warden-alerts',
      'x-warden-event': request.event,
      'x-warden-delivery': request.deliveryId,
      'x-warden-timestamp': request.timestamp,
    };
    if (request.secret !== null) headers['x-warden-signature'] = webhookSignature(request.secret, request.timestamp, request.body);
    const host = new URL(request.url).host;
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]),
      });
      // The answer's body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `timed out after ${request.timeoutMs} ms` : typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'request failed';
      // eslint-disable-next-line preserve-caught-error -- fetch's error can quote the whole URL, whose path may be the credential
      throw new Error(`POST to ${host} failed: ${reason}`);
    }
  }
}
