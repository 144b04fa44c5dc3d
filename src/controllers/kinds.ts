// ResourceTypes of the kinds the controllers read and write.
import { GROUP, VERSION } from '../api/v1alpha1/index.js';
import type { ResourceType } from '../runtime/client.js';

const ours = (kind: string, plural: string): ResourceType => ({
  group: GROUP,
  version: VERSION,
  kind,
  plural,
  namespaced: true,
});

export const VENTURES = ours('Venture', 'ventures');
export const DEPLOYMENTS: ResourceType = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  namespaced: true,
};
export const SECRETS: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
};
