/**
 * The stable names of every metric `scoreVideo` may produce, grouped by what they measure.
 * These are column names in videos.csv / categories.csv (eval/FORMAT.md): rename only with
 * a new format version.
 */

/** Against ground truth (PhyWorld): need the state file. */
export const TRUTH_METRICS = ['velocity_error', 'position_ade', 'position_fde', 'restitution_error'] as const;

/** Reference-free physics, from the parsed tracks alone. */
export const PHYSICS_METRICS = [
  'gravity_error',
  'gravity_residual',
  'energy_drift',
  'momentum_drift',
  'restitution',
  'teleport_rate',
  'vanish_count',
  'spawn_count',
  'color_changes',
  'shape_changes',
  'size_drift',
  'interpenetration',
  'stutter_count',
  'reemergence_error',
] as const;

/** Physics-IQ (Motamed et al. 2025) mask metrics against the ground-truth render. */
export const PHYSIQ_METRICS = [
  'physiq_spatial_iou',
  'physiq_spatiotemporal_iou',
  'physiq_weighted_spatial_iou',
  'physiq_mse',
  'physiq_score',
] as const;

/** VBench's pixel-only metrics. */
export const PIXEL_METRICS = ['temporal_flickering', 'motion_smoothness', 'dynamic_degree'] as const;

/** Prompt adherence: T2V-CompBench-style scores and the share of stated attributes met. */
export const PROMPT_METRICS = ['count_score', 'relation_score', 'direction_score', 'attribute_accuracy'] as const;

/**
 * The metrics that compare with the ground truth's one scene: defined only for a video made
 * from that scene (conditioned on its first frames); a text-only video skips them (score.ts TEXT_ONLY).
 */
export const REFERENCE_METRICS: readonly string[] = [...TRUTH_METRICS, ...PHYSIQ_METRICS];

export const METRIC_NAMES: readonly string[] = [...TRUTH_METRICS, ...PHYSICS_METRICS, ...PHYSIQ_METRICS, ...PIXEL_METRICS, ...PROMPT_METRICS];

/** Attribute names `VideoScore.attributes` may hold (null when the prompt does not state one). */
export const ATTRIBUTE_NAMES: readonly string[] = ['presence', 'color', 'shape', 'size', 'count', 'direction', 'speed', 'events', 'relation'];
