// The reproduce commands a model card prints: every non-default training flag, the objective included.
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/model/config.js';
import { resolveTextEncoderConfig } from '../../src/text/config.js';
import { TRAIN_DEFAULTS, type TrainConfig } from '../../src/train/train-config.js';
import { dataCommand, trainCommand } from './training-summary.js';

const config: TrainConfig = {
  ...TRAIN_DEFAULTS,
  preset: 'small',
  model: resolveConfig('small'),
  text: resolveTextEncoderConfig('small'),
  data: 'runs/data-id',
  steps: 4000,
};

describe('reproduce commands', () => {
  it('spell out the objective and every flag that differs from the defaults', () => {
    expect(trainCommand(config, 'runs/default')).toBe('npx spacetime train --preset small --data runs/data-id --steps 4000 --out runs/default --seed 0');
    expect(trainCommand({ ...config, objective: 'x-prediction', lr: 4e-4, warmup: 200, checkpointEvery: 250 }, 'runs/default')).toBe(
      'npx spacetime train --preset small --objective x-prediction --data runs/data-id --steps 4000 --out runs/default --lr 0.0004 --warmup 200 --checkpoint-every 250 --seed 0',
    );
  });

  it('rebuild the dataset from its manifest source', () => {
    const source = { families: ['uniform', 'parabola', 'bounce', 'collision', 'occlusion', 'layout', 'slide'], split: 'id', n: 20000, seed: 0, width: 32, height: 32, numFrames: 16, fps: 10 };
    expect(dataCommand(source, 'runs/data-id')).toBe('npx spacetime data make --families all --split id --n 20000 --seed 0 --out runs/data-id');
    expect(dataCommand({ ...source, families: ['bounce', 'slide'], width: 16, height: 16, numFrames: 4 }, 'd')).toBe(
      'npx spacetime data make --families bounce,slide --split id --n 20000 --seed 0 --size 16 --frames 4 --out d',
    );
  });
});
