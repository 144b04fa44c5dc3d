// A custom resource kind of group autopilot.ventures/v1alpha1: its names, schemas, columns and subresources.
import type { ObjectMeta, ResourceType } from '../meta.js';
import type { Static, TObject } from '@sinclair/typebox';

export const GROUP = 'autopilot.ventures';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'autopilot';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 1 shows the column only with `-o wide`. */
  priority?: number;
}

export interface KindDefinition<Spec extends TObject = TObject, Status extends TObject = TObject> {
  kind: string;
  plural: string;
  shortNames: string[];
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
}

export const defineKind = <Spec extends TObject, Status extends TObject>(
  definition: KindDefinition<Spec, Status>,
) => definition;

/** A stored object of a kind: what the controllers read from the cache. */
export interface Resource<Spec, Status> {
  apiVersion: typeof API_VERSION;
  kind: string;
  metadata: ObjectMeta & { namespace: string };
  spec: Spec;
  status?: Status;
}

export type ResourceOf<D> =
  D extends KindDefinition<infer Spec, infer Status> ? Resource<Static<Spec>, Static<Status>> : never;

/** The REST coordinates of a kind, from its definition. */
export const resourceTypeOf = (definition: KindDefinition): ResourceType => ({
  group: GROUP,
  version: VERSION,
  kind: definition.kind,
  plural: definition.plural,
  namespaced: true,
});
