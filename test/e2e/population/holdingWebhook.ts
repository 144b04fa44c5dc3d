// A validating admission webhook that holds the requests it is sent until the test lets them through:
// the API server keeps the caller's request open meanwhile, so a test can stop the operator while one
// of its writes is in flight. HTTPS on 127.0.0.1 with a self-signed certificate the API server trusts.
import { createServer, type Server } from 'node:https';
import selfsigned from 'selfsigned';
import { freePort } from '../../../hack/lib/prometheus.js';
import { kubectl, kubectlApply } from '../support/kubectl.js';

interface AdmissionRequest {
  uid: string;
  operation: string;
  name?: string;
  object?: { metadata?: { name?: string } };
}

export class HoldingWebhook {
  /** The requests received, as the API server sent them. */
  readonly received: AdmissionRequest[] = [];
  private readonly held: (() => void)[] = [];
  private releasing = false;
  private readonly server: Server;

  private constructor(
    private readonly name: string,
    tls: { key: string; cert: string },
  ) {
    this.server = createServer(tls, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const review = JSON.parse(body) as { request: AdmissionRequest };
        this.received.push(review.request);
        const answer = () =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              apiVersion: 'admission.k8s.io/v1',
              kind: 'AdmissionReview',
              response: { uid: review.request.uid, allowed: true },
            }),
          );
        if (this.releasing) answer();
        else this.held.push(answer);
      });
    });
  }

  /**
   * Registers a ValidatingWebhookConfiguration `name` for CREATEs of `resource` in `namespace` whose
   * labels match `objectLabels`, answered by a server this process runs.
   */
  static async start(
    name: string,
    {
      namespace,
      resource,
      objectLabels,
    }: { namespace: string; resource: string; objectLabels: Record<string, string> },
  ): Promise<HoldingWebhook> {
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    });
    const hook = new HoldingWebhook(name, { key: pems.private, cert: pems.cert });
    const port = await freePort();
    await new Promise<void>((listening) => hook.server.listen(port, '127.0.0.1', listening));
    const labels = Object.entries(objectLabels)
      .map(([k, v]) => `${k}: '${v}'`)
      .join(', ');
    await kubectlApply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: { name: ${name} }
webhooks:
  - name: hold.e2e.autopilot.ventures
    admissionReviewVersions: [v1]
    sideEffects: None
    failurePolicy: Fail
    timeoutSeconds: 30
    clientConfig:
      url: https://127.0.0.1:${port}/hold
      caBundle: ${Buffer.from(pems.cert).toString('base64')}
    rules:
      - { apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [${resource}] }
    namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${namespace} } }
    objectSelector: { matchLabels: { ${labels} } }
`);
    return hook;
  }

  /** Lets every held request through (allowed), and every later one at once. */
  release(): void {
    this.releasing = true;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Removes the configuration and stops the server. */
  async close(): Promise<void> {
    this.release();
    await kubectl('delete', 'validatingwebhookconfiguration', this.name, '--ignore-not-found');
    this.server.closeAllConnections();
    await new Promise((closed) => this.server.close(closed));
  }
}
