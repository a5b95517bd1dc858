/** One POST of a notification to an operator's webhook. */
export interface WebhookRequest {
  readonly url: string;
  /** The exact JSON text sent (and signed). */
  readonly body: string;
  /** HMAC-SHA256 key: with it, `X-Warden-Signature: sha256=<hex>` covers `<timestamp>.<body>`. */
  readonly secret: string | null;
  /** `X-Warden-Timestamp`: seconds since the epoch, as sent and signed. */
  readonly timestamp: string;
  /** `X-Warden-Event`: alert-fired or alert-resolved. */
  readonly event: string;
  /** `X-Warden-Delivery`: the same on every attempt of one notification, so a receiver can drop repeats. */
  readonly deliveryId: string;
  /** Aborts the request (job cancelled, worker stopping). */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/**
 * Sends webhook requests. Resolves with the HTTP status of the answer (redirects are not
 * followed: a 3xx is an answer); rejects when no answer came (refused, reset, timed out).
 * Errors name neither the URL's path and query nor the secret (a Slack URL is a credential).
 */
export interface WebhookSender {
  post(request: WebhookRequest): Promise<{ readonly status: number }>;
}
