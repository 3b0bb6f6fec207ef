import type { Notification, Notifier } from '../ports';

/** Posts Slack-compatible JSON to a webhook; without a URL it writes the notification to the log. */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string | undefined,
    private readonly log: (message: string, meta: Record<string, unknown>) => void,
  ) {}

  async notify(n: Notification): Promise<void> {
    if (!this.url) {
      this.log(`notification: ${n.title}`, { ...n });
      return;
    }
    const icon = n.severity === 'error' ? ':red_circle:' : n.severity === 'warn' ? ':warning:' : ':information_source:';
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        text: `${icon} *${n.title}*\n${n.text}${n.link ? `\n<${n.link}|Open in Temporal UI>` : ''}`,
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`notification webhook answered ${res.status} ${res.statusText}`);
  }
}
