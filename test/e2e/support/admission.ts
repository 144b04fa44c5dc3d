// Admission refusals for fault tests: a ValidatingAdmissionPolicy bound to one namespace that denies some
// writes with a message, known to be in force (or lifted) from a server-side dry run it refuses.
import { waitFor } from './wait.js';
import { kubectl, kubectlApply } from './kubectl.js';

export interface RefusalSpec {
  /** The policy's and its binding's name. */
  name: string;
  namespace: string;
  /** One resourceRules entry, as a YAML flow mapping. */
  rule: string;
  /** The CEL expression of the writes still allowed ('false': none). */
  allowed: string;
  message: string;
  /** The status reason of the refusal (Forbidden is a 403, as a missing RBAC grant); Invalid when unset. */
  reason?: string;
  /** kubectl arguments of a write the policy refuses, run with --dry-run=server to see it in force. */
  probe: string[];
}

export class AdmissionRefusal {
  private constructor(private readonly spec: RefusalSpec) {}

  static async apply(spec: RefusalSpec): Promise<AdmissionRefusal> {
    const { name, namespace, rule, allowed, message, reason } = spec;
    await kubectlApply(`
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: { name: ${name} }
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - ${rule}
  validations:
    - { expression: ${JSON.stringify(allowed)},${reason ? ` reason: ${reason},` : ''} message: ${JSON.stringify(message)} }
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: { name: ${name} }
spec:
  policyName: ${name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: ${namespace} } }
`);
    return new AdmissionRefusal(spec);
  }

  /** Resolves once the probe write is refused with the policy's message. */
  inForce(): Promise<true> {
    return waitFor(`${this.spec.name} to refuse writes`, () =>
      this.probe().then(
        () => undefined,
        (err: Error) => (err.message.includes(this.spec.message) ? true : undefined),
      ),
    );
  }

  /** Unbinds the policy, and resolves once the probe write is admitted again. */
  async lift(): Promise<void> {
    await kubectl('delete', 'validatingadmissionpolicybinding', this.spec.name);
    await waitFor(`${this.spec.name} to lift`, () =>
      this.probe().then(
        () => true,
        () => undefined,
      ),
    );
  }

  /** Deletes the policy and its binding, whichever are left. */
  async remove(): Promise<void> {
    await kubectl(
      'delete',
      'validatingadmissionpolicybinding,validatingadmissionpolicy',
      this.spec.name,
      '--ignore-not-found',
    );
  }

  private probe(): Promise<string> {
    return kubectl(...this.spec.probe, '-n', this.spec.namespace, '--dry-run=server');
  }
}
