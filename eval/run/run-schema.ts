/**
 * The `spacetime-eval/v1` run folder as one contract (eval/FORMAT.md): run.json's schema, from
 * which its type is inferred, and the rows of videos.json and categories.json. The harness
 * writes it (run.ts), the report reads it back (eval/report/load.ts) and the comparison server
 * lists and serves it (app/server/runs.ts), all from this file, so a field changes in one place.
 *
 *   const parsed = runJsonSchema.safeParse(JSON.parse(text));
 *   if (!parsed.success) throw new Error(`run.json: ${firstIssue(parsed.error)}`);   // "run.json: format: Invalid input: …"
 *   parsed.data.headline.abnormal_rate
 */
import { z } from 'zod';
import { PHYSIQ_CONVENTIONS } from '../physiq/masks.js';

export const RUN_FORMAT = 'spacetime-eval/v1';

/** A number as JSON holds it: NaN and ±Infinity are written as null and read back as NaN. */
const jsonNumber = z.union([z.number(), z.null().transform(() => NaN)]);

/** The sampling settings a checkpoint's videos were generated with. */
export const generateSettingsSchema = z.object({
  steps: z.number(),
  guidance: z.number(),
  sampler: z.string(),
  /** SD3's time shift of the sampler's grid (absent in runs from before it existed: 1). */
  shift: z.number().optional(),
  /** How guidance combined the passes (src/diffusion/guidance), when not plain CFG; absent: CFG. */
  guidanceMethod: z.string().optional(),
  /** The interval method's [lo, hi] in t. */
  guidanceInterval: z.tuple([z.number(), z.number()]).optional(),
  /** The given frames' own guidance scale (`--frame-guidance`, three passes), when set. */
  frameGuidance: z.number().optional(),
});
// The interval spelled out: tslab compiles this non-strict, where zod infers a tuple's elements as optional.
export type GenerateSettings = Omit<z.infer<typeof generateSettingsSchema>, 'guidanceInterval'> & { guidanceInterval?: [number, number] };

/** The suite the prompts came from; run.json holds null for a folder scored without one. */
const suiteSchema = z.object({
  name: z.string(),
  version: z.number(),
  split: z.string(),
  categories: z.array(z.string()),
  prompts: z.number(),
  limit: z.number().nullable(),
});

/** runtime: present ('onnx') only when onnxruntime-node ran the networks instead of tfjs. */
const sourceSchema = z.object({
  kind: z.enum(['checkpoint', 'videos']),
  path: z.string(),
  /** The resolved model config (null for a folder of videos). */
  config: z.unknown(),
  /** Absent for a shipped model folder, which has no training step. */
  step: z.number().optional(),
  generate: generateSettingsSchema.nullable(),
  runtime: z.literal('onnx').optional(),
});

/** One Fréchet distance of the run (FORMAT.md "Frechet"): FD², set sizes, bootstrap interval. */
const frechetSchema = z.object({
  features: z.string(),
  fd: jsonNumber,
  n: z.tuple([z.number(), z.number()]),
  dim: z.number(),
  ci95: z.tuple([jsonNumber, jsonNumber]),
  bootstrap: z.enum(['paired', 'independent']),
  resamples: z.number(),
  seed: z.string(),
});

/** One cause's pairs in run.json `counterfactual` (FORMAT.md "Counterfactual"). */
const causeTallySchema = z.object({ pairs: z.number(), testable: z.number(), correct: z.number(), share: jsonNumber });

/** The `counterfactual` suite's pairwise check (eval/run/counterfactual.ts): the share of pairs whose outcome changed the right way. */
const counterfactualSchema = z.object({
  tolerance: z.object({ low: z.number(), high: z.number(), sign_only: z.boolean() }),
  overall: causeTallySchema,
  per_cause: z.record(z.string(), causeTallySchema),
  pairs: z.array(
    z.object({
      pair: z.string(),
      cause: z.string(),
      seed: z.number(),
      carried_by: z.array(z.enum(['caption', 'frames'])),
      testable: z.boolean(),
      truth_change: z.number().nullable(),
      measured_change: z.number().nullable(),
      correct: z.boolean(),
    }),
  ),
});

export const runJsonSchema = z.object({
  format: z.literal(RUN_FORMAT),
  name: z.string(),
  suite: suiteSchema.nullable(),
  source: sourceSchema,
  seeds: z.array(z.number()),
  /**
   * How many of each prompt's true frames the videos were made from (PhyWorld's protocol): K ≥ 1
   * given to the model (`--keep-frames K`) or declared for a folder (`--given-frames K`), the
   * comparisons with the truth measured from frame K on; 0 made from text alone, those
   * comparisons skipped. Absent: not known (a folder scored as before, or a run made before
   * the field): compared with the truth as PhyWorld's, after its 3 condition frames.
   */
  keep_frames: z.number().int().min(0).optional(),
  code: z.object({ version: z.string(), commit: z.string().nullable(), dirty: z.boolean().optional() }),
  /**
   * How the videos were scored: Physics-IQ metrics on or off and their conventions (`physiq`
   * absent in runs made before `--physiq`, which were exact); the world's palette or the one
   * estimated. Absent in runs made before `--skip-physics-iq`.
   */
  scoring: z
    .object({
      physics_iq: z.boolean(),
      physiq: z.enum(PHYSIQ_CONVENTIONS).optional(),
      palette: z.union([
        z.literal('world'),
        z.object({
          background: z.array(z.number()).readonly(),
          colors: z.array(z.object({ name: z.string(), rgb: z.array(z.number()).readonly(), occluder: z.boolean() })),
        }),
      ]),
    })
    .optional(),
  created: z.string(),
  /** generate_s: generating (checkpoint); read_s: decoding the folder and rendering its truth (videos). */
  timings: z.object({ generate_s: z.number(), read_s: z.number(), score_s: z.number(), total_s: z.number() }),
  headline: z.record(z.string(), jsonNumber),
  frechet: z.record(z.string(), frechetSchema),
  skipped_metrics: z.record(z.string(), z.string()),
  bad_inputs: z.array(z.object({ file: z.string(), row: z.number().optional(), reason: z.string() })),
  /** Present only for the `counterfactual` suite: per cause, how many pairs changed the right way. */
  counterfactual: counterfactualSchema.optional(),
});
export type RunJson = z.infer<typeof runJsonSchema>;

/**
 * What a listing of many runs needs of run.json (the comparison server): the format and the
 * suite (null or at least its name); the name, source (at least its kind), seeds, created time
 * and headline when present. Runs written by hand, by other tools or by older harnesses list as
 * long as these hold; fields it does not know are kept.
 */
export const runListingSchema = runJsonSchema
  .pick({ format: true, name: true, suite: true, source: true, seeds: true, created: true, headline: true })
  .extend({
    suite: suiteSchema.partial().extend({ name: suiteSchema.shape.name }).loose().nullable(),
    source: sourceSchema.partial().extend({ kind: sourceSchema.shape.kind, generate: generateSettingsSchema.loose().nullish() }).loose().optional(),
    headline: runJsonSchema.shape.headline.default({}),
  })
  .partial({ name: true, seeds: true, created: true })
  .loose();
export type RunListing = z.infer<typeof runListingSchema>;

/** The first thing wrong with a run.json, as `field.path: what` ("format: Invalid input: expected …"). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join('.') || 'file'}: ${issue.message}`;
}

// ---------------------------------------------------------------- the tables

export type Cell = string | number | null;
/**
 * One row of videos.json / videos.csv: the id columns, one column per metric (null when it
 * could not be computed), then the flag columns.
 */
export type VideoRow = Record<string, Cell>;
/** One row of categories.json / categories.csv: category, split, videos, metric means, rates. */
export type CategoryRow = Record<string, Cell>;

/** Columns of a VideoRow before the metrics and after them, as FORMAT.md lists them. */
export const VIDEO_ID_COLUMNS = ['id', 'prompt_id', 'seed', 'category', 'split', 'family', 'caption', 'video', 'truth'] as const;
export const VIDEO_FLAG_COLUMNS = ['abnormal', 'violations', 'joint_correct'] as const;
