/**
 * One flat row per sample, for tables (`aq.from(metas.map(sampleSummary))`) in notebooks
 * and reports: the caption next to the facts of the spec it was written from.
 *
 *   sampleSummary(ds.meta(2))
 *   // { name: 'id-bounce-000000', family: 'bounce', split: 'id', objects: 1,
 *   //   sizeClasses: 'medium', events: 'bounce@6, bounce@13', caption: '…', … }
 */
import type { SampleMeta } from '../../datasets/world/spec.js';

export interface SampleSummary {
  name: string;
  /** Empty for imported videos without a state file, as are the spec columns below. */
  family: string;
  split: string;
  variant: string;
  /** Balls and squares; the occluder bar is scenery and not counted. */
  objects: number;
  /** Size class of each counted object, in order: `'small, large'`. */
  sizeClasses: string;
  /** Each event as `type@frame`, in time order: `'collision@4'`. */
  events: string;
  caption: string;
}

export function sampleSummary(meta: SampleMeta): SampleSummary {
  const spec = meta.spec;
  const objects = (spec?.objects ?? []).filter((o) => o.shape !== 'bar');
  return {
    name: meta.name,
    family: spec?.family ?? '',
    split: spec?.split ?? '',
    variant: spec?.variant ?? '',
    objects: objects.length,
    sizeClasses: objects.map((o) => o.sizeClass).join(', '),
    events: (spec?.events ?? []).map((e) => `${e.type}@${e.frame}`).join(', '),
    caption: meta.caption,
  };
}
