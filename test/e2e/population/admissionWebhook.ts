// An admission webhook the test steers: each request the API server sends is answered by the test's
// `answer` (allow, deny with a code, allow with a JSON patch), which may also hold it — the API server
// keeps the caller's request open meanwhile, so a test can stop the operator while one of its writes is
// in flight. HTTPS on 127.0.0.1 with a self-signed certificate the API server trusts.
import { createServer, type Server } from 'node:https';
import selfsigned from 'selfsigned';
import { freePort } from '../../../hack/lib/prometheus.js';
import { kubectl, kubectlApply } from '../support/kubectl.js';

export interface AdmissionRequest {
  uid: string;
  operation: string;
  name?: string;
  object?: { metadata?: { name?: string }; data?: Record<string, string> };
  oldObject?: { metadata?: { name?: string }; data?: Record<string, string> };
}

export type Verdict =
  | { allowed: true; patch?: { op: string; path: string; value?: unknown }[] }
  /** A denial; without a code the API server answers 400, as for most policies. */
  | { allowed: false; code?: number; message: string };

export interface WebhookRule {
  /** Mutating webhooks may patch the object; validating ones only allow or deny. */
  type: 'Validating' | 'Mutating';
  namespace: string;
  resource: string;
  operations: ('CREATE' | 'UPDATE')[];
  objectLabels: Record<string, string>;
}

export class AdmissionWebhook {
  /** The requests received, as the API server sent them. */
  readonly received: AdmissionRequest[] = [];
  private readonly server: Server;

  private constructor(
    private readonly name: string,
    private readonly type: WebhookRule['type'],
    tls: { key: string; cert: string },
    answer: (request: AdmissionRequest) => Verdict | Promise<Verdict>,
  ) {
    this.server = createServer(tls, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { request } = JSON.parse(body) as { request: AdmissionRequest };
        this.received.push(request);
        void Promise.resolve(answer(request)).then((verdict) => {
          const response = verdict.allowed
            ? {
                uid: request.uid,
                allowed: true,
                ...(verdict.patch && {
                  patchType: 'JSONPatch',
                  patch: Buffer.from(JSON.stringify(verdict.patch)).toString('base64'),
                }),
              }
            : { uid: request.uid, allowed: false, status: { code: verdict.code, message: verdict.message } };
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
        });
      });
    });
  }

  /**
   * Registers a (Validating|Mutating)WebhookConfiguration `name` for `rule`, answered by a server this
   * process runs.
   */
  static async start(
    name: string,
    rule: WebhookRule,
    answer: (request: AdmissionRequest) => Verdict | Promise<Verdict>,
  ): Promise<AdmissionWebhook> {
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const hook = new AdmissionWebhook(name, rule.type, { key: pems.private, cert: pems.cert }, answer);
    const port = await freePort();
    await new Promise<void>((listening) => hook.server.listen(port, '127.0.0.1', listening));
    const labels = Object.entries(rule.objectLabels)
      .map(([k, v]) => `${k}: '${v}'`)
      .join(', ');
    await kubectlApply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ${rule.type}WebhookConfiguration
metadata: { name: ${name} }
webhooks:
  - name: ${rule.type.toLowerCase()}.e2e.autopilot.ventures
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 30
    clientConfig:
      url: https://127.0.0.1:${port}/admit
      caBundle: ${Buffer.from(pems.cert).toString('base64')}
    rules:
      - { apiGroups: [''], apiVersions: [v1], operations: [${rule.operations.join(', ')}], resources: [${rule.resource}] }
    namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${rule.namespace} } }
    objectSelector: { matchLabels: { ${labels} } }
`);
    return hook;
  }

  /** Removes the configuration and stops the server (a request still held is dropped). */
  async close(): Promise<void> {
    await kubectl(
      'delete',
      `${this.type.toLowerCase()}webhookconfiguration`,
      this.name,
      '--ignore-not-found',
    );
    this.server.closeAllConnections();
    await new Promise((closed) => this.server.close(closed));
  }
}
