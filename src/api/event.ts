// An Event a controller tells about its object: the engine decides which one, the runtime records it.
export interface ObjectEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. VentureScaled. */
  reason: string;
  note: string;
  /** Repeats of the same series count in one Event (kubectl shows how often) instead of new Events. */
  series?: string;
}
