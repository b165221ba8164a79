/** `spacetime train`: thin — flags → train() with a progress bar. */
import { useBackend } from '../compute/backend.js';
import { train, TRAIN_DEFAULTS, type TrainOptions } from '../train/trainer.js';
import { parseArgs, required } from './args.js';
import { Progress } from './progress.js';

const HELP = `spacetime train --preset tiny|small|base|bench --data DIR --steps N --out runs/NAME [--resume]
    [--batch-size ${TRAIN_DEFAULTS.batchSize}] [--lr ${TRAIN_DEFAULTS.lr}] [--warmup ${TRAIN_DEFAULTS.warmup}] [--seed 0]
    [--caption-dropout ${TRAIN_DEFAULTS.captionDropout}] [--checkpoint-every ${TRAIN_DEFAULTS.checkpointEvery}]
    [--sample-every ${TRAIN_DEFAULTS.sampleEvery}] [--objective rectified-flow|x-prediction|v-prediction] [--backend NAME]

Trains the text-conditioned diffusion transformer on a dataset from \`spacetime data make\`.
Writes runs/NAME/config.json, metrics.jsonl (one line per step), checkpoints/ (atomic), and
every --sample-every steps samples/step-N.mp4 (EMA samples of two captions) and loss.html;
--resume continues the run from its latest checkpoint, bit-identically on the same backend.
--objective: rectified flow predicting the velocity (default), the same flow with the network
predicting the clean video (x-prediction: trains much faster with big tubelets such as the
small preset's 4×4×4; the shipped model uses it), or v-prediction on the cosine schedule.`;

export async function runTrain(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    preset: 'string',
    data: 'string',
    steps: 'int',
    out: 'string',
    resume: 'boolean',
    'batch-size': 'int',
    lr: 'number',
    warmup: 'int',
    seed: 'int',
    'caption-dropout': 'number',
    'checkpoint-every': 'int',
    'sample-every': 'int',
    objective: 'string',
    backend: 'string',
    quiet: 'boolean',
    help: 'boolean',
  });
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  const choice = await useBackend({ requested: flags.backend });
  console.error(choice.summary);
  const steps = required(flags.steps, 'steps');
  const progress = new Progress(steps, 'train', 'steps', flags.quiet);
  let first = true;
  const result = await train({
    preset: flags.preset ?? 'small',
    data: required(flags.data, 'data'),
    steps,
    out: required(flags.out, 'out'),
    resume: flags.resume,
    batchSize: flags['batch-size'],
    lr: flags.lr,
    warmup: flags.warmup,
    seed: flags.seed,
    captionDropout: flags['caption-dropout'],
    checkpointEvery: flags['checkpoint-every'],
    sampleEvery: flags['sample-every'],
    objective: flags.objective as TrainOptions['objective'],
    onStep: (m) => {
      if (first) progress.update(m.step - 1);
      first = false;
      progress.update(m.step);
    },
  });
  console.log(`trained to step ${result.step} (loss ${result.loss.toFixed(4)}) on ${choice.name}; checkpoint ${result.checkpoint}`);
  return 0;
}
