// The Kubernetes permissions the operator needs, rule by rule: the one source of the Helm chart's RBAC
// (`npm run generate` writes charts/autopilot/files/rbac-rules.yaml from it). A controller's list holds
// exactly the calls its code makes; the chart e2e runs the operator as the chart's ServiceAccount and
// fails on any 403, so a missing rule shows there.
import type { ResourceType } from '../api/meta.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  EVENTS,
  LEASES,
  PODS,
  RESOURCE_QUOTAS,
  SECRETS,
  SERVICES,
} from '../api/resources.js';
import {
  AGENT_SPAWNS,
  AUREA_GOALS,
  FALLBACK_PROTOCOLS,
  kinds,
  REGION_PAIRS,
  VENTURES,
} from '../api/v1alpha1/index.js';
import { resourceTypeOf } from '../api/v1alpha1/kind.js';
import { DNS_ENDPOINTS } from '../providers/dnsRecord.js';

/** rbac.authorization.k8s.io/v1 PolicyRule, as the chart writes it. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The rule that allows `verbs` on a kind, or on one of its subresources. */
export const allow = (type: ResourceType, verbs: string[], subresource?: string): PolicyRule => ({
  apiGroups: [type.group],
  resources: [subresource ? `${type.plural}/${subresource}` : type.plural],
  verbs: [...verbs], // a list of its own: shared lists would be written as YAML aliases in the chart
});

/** Read access as an informer needs it: one list, then a watch; get for a fresh read of one object. */
const READ = ['get', 'list', 'watch'];

/**
 * What each controller calls, by controller name, in every namespace it watches (a ClusterRole, or a
 * Role per namespace when the chart sets watchNamespaces). A new kind adds its entry here.
 */
export const controllerRules: Record<string, PolicyRule[]> = {
  venture: [
    allow(VENTURES, READ), // the informer and the portfolio (the namespace's ventures)
    allow(VENTURES, ['patch'], 'status'), // one status patch per reconcile; allocations of recipients
    allow(VENTURES, ['patch'], 'scale'), // Scale decisions and freed replicas, as an HPA writes them
    // The Deployment's owner reference sets blockOwnerDeletion, which clusters running the
    // OwnerReferencesPermissionEnforcement admission plugin (OpenShift among them) allow only to
    // those who may update the owner's finalizers.
    allow(VENTURES, ['update'], 'finalizers'),
    // The owned Deployment: informer, server-side apply (a patch that creates it the first time, so
    // create too), and deletion when a terminated venture's grace period ends.
    allow(DEPLOYMENTS, [...READ, 'create', 'patch', 'delete']),
    allow(SECRETS, ['get']), // a metrics provider's bearer token or headers, by the name the spec gives
    allow(RESOURCE_QUOTAS, ['list']), // the pod limit freed replicas are redistributed within
  ],
  agentspawn: [
    allow(AGENT_SPAWNS, READ), // the informer
    allow(AGENT_SPAWNS, ['patch'], 'status'), // the decision before acting (write-ahead), then the cycle's status
    // Children and their ConfigMaps carry an owner reference with blockOwnerDeletion (see venture's rule).
    allow(AGENT_SPAWNS, ['update'], 'finalizers'),
    // The population, listed fresh each cycle; children created and (exploit) deleted; trainees marked
    // with their session and successful ones labelled trainers; get for a child's name found taken.
    allow(PODS, ['get', 'list', 'create', 'patch', 'delete']),
    // Knowledge: listed each cycle, copied into trainees (merge patch), created for children, deleted
    // with a replaced child or a child Kubernetes refused.
    allow(CONFIG_MAPS, ['get', 'list', 'create', 'patch', 'delete']),
    allow(SECRETS, ['get']), // the score source's bearer token or Authorization header
  ],
  fallback: [
    allow(FALLBACK_PROTOCOLS, READ), // the informer
    allow(FALLBACK_PROTOCOLS, ['patch'], 'status'), // decisions (write-ahead) and health, per reconcile
    allow(FALLBACK_PROTOCOLS, ['update'], 'finalizers'), // blockOwnerDeletion on the routing objects
    // The routing objects: informers (an object of that name owned by someone else is a conflict) and
    // server-side apply, which creates them the first time.
    allow(CONFIG_MAPS, [...READ, 'create', 'patch']),
    allow(SERVICES, [...READ, 'create', 'patch']),
    allow(SECRETS, ['get']), // probe headers, CA bundle, webhook URL and Authorization, Prometheus token
  ],
  aurea: [
    // The goal controller's informer and status; the loop creates its own goals and abandons them (a
    // merge patch of spec.abandoned).
    allow(AUREA_GOALS, [...READ, 'create', 'patch']),
    allow(AUREA_GOALS, ['patch'], 'status'),
    // The memory ConfigMap: read when leading starts (and by a follower's GET /status), created when
    // missing, replaced after each cycle (an update, so someone else's edit is a conflict, not lost).
    allow(CONFIG_MAPS, ['get', 'create', 'update']),
    // Heal: a refused action's object gets a Permitted condition naming the missing rule (read fresh,
    // then a status patch), on whichever kind was refused.
    ...kinds.flatMap((kind) => [
      allow(resourceTypeOf(kind), ['get']),
      allow(resourceTypeOf(kind), ['patch'], 'status'),
    ]),
  ],
  regionpair: [
    allow(REGION_PAIRS, READ), // the informer
    allow(REGION_PAIRS, ['patch']), // removing a spent autopilot.ventures/failback annotation
    allow(REGION_PAIRS, ['patch'], 'status'), // this region's view, and each move's steps before they are taken
    // Kubeconfigs of the other region and of the DNS cluster; in the backup, configuration replication:
    // the namespace's ConfigMaps and Secrets listed whole (a mirror's name taken by an object of its own
    // is reported, never overwritten), mirrors created, replaced (an update naming the version listed)
    // and deleted.
    allow(SECRETS, ['get', 'list', 'create', 'update', 'delete']),
    allow(CONFIG_MAPS, ['list', 'create', 'update', 'delete']),
    allow(DEPLOYMENTS, ['list']), // the warm-up Deployments: this region's before a move, the other's while healthy
    allow(DEPLOYMENTS, ['patch'], 'scale'), // warming this region's Deployments to the other region's replicas
    // When the DNS cluster is this region (dns.cluster.region): the fencing Lease, taken and renewed by
    // compare-and-swap, and the DNSEndpoint (a 404 is told apart from a missing CRD by a list).
    allow(LEASES, ['get', 'create', 'update']),
    allow(DNS_ENDPOINTS, ['get', 'list', 'create', 'update']),
  ],
};

/** What the operator itself needs wherever it reconciles: Events about the objects (and their repeats). */
export const operatorRules: PolicyRule[] = [allow(EVENTS, ['create', 'patch'])];

/** Leader election, in the operator's own namespace only (a Role there): the Lease it takes and renews. */
export const leaderElectionRules: PolicyRule[] = [allow(LEASES, ['get', 'create', 'update'])];
