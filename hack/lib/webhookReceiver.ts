// A local webhook receiver for tests and `npm run dev`: records every POST, keeps one notification per
// idempotency key (as a careful receiver does), and can fail, hang or demand an Authorization header.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from './prometheus.js';

/** One POST as it arrived, and what the receiver answered. */
export interface Delivery {
  body: unknown;
  authorization?: string;
  idempotencyKey?: string;
  answered: number | 'hung';
}

export class WebhookReceiver {
  private readonly log: Delivery[] = [];
  private readonly kept = new Map<string, unknown>();
  /** Answers for the next requests, in order; then 200. */
  private script: (number | 'hang')[] = [];
  private authorization: string | undefined;
  private readonly server = createServer((req, res) => this.serve(req, res));

  private constructor(readonly url: string) {}

  static async start(): Promise<WebhookReceiver> {
    const port = await freePort();
    const receiver = new WebhookReceiver(`http://127.0.0.1:${port}/hooks/autopilot`);
    await new Promise<void>((listening, failed) => {
      receiver.server.once('error', failed);
      receiver.server.listen(port, '127.0.0.1', () => listening());
    });
    return receiver;
  }

  /** The next requests get these answers (an HTTP status, or no answer at all), then 200 again. */
  answerNext(...answers: (number | 'hang')[]): void {
    this.script = answers;
  }

  /** Requests without exactly this Authorization header get 401 from now on. */
  requireAuthorization(value: string): void {
    this.authorization = value;
  }

  /** Every POST, accepted or not, oldest first. */
  deliveries(): Delivery[] {
    return [...this.log];
  }

  /** The accepted notifications, one per idempotency key: a repeat is dropped, as a receiver should. */
  notifications(): unknown[] {
    return [...this.kept.values()];
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((closed) => this.server.close(() => closed()));
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
      const authorization = req.headers.authorization;
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      const scripted = this.script.shift();
      const refused = this.authorization !== undefined && authorization !== this.authorization;
      const answered = scripted ?? (refused ? 401 : 200);
      this.log.push({
        body,
        authorization,
        idempotencyKey,
        answered: answered === 'hang' ? 'hung' : answered,
      });
      if (answered === 'hang') return;
      if (answered === 200 && !this.kept.has(idempotencyKey ?? text))
        this.kept.set(idempotencyKey ?? text, body);
      const reply =
        answered === 200
          ? { accepted: true }
          : { error: scripted ? `told to answer ${answered}` : 'missing or wrong Authorization header' };
      res.writeHead(answered, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  }
}
