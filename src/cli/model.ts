/** `spacetime model info --preset P`: the configuration and parameter counts. */
import { UserError } from '../errors.js';
import { PRESETS, resolveConfig } from '../model/config.js';
import { parameterCount } from '../model/dit.js';
import { resolveTextEncoderConfig } from '../text/config.js';
import { textEncoderParameterCount } from '../text/encoder.js';
import { parseArgs } from './args.js';

export async function runModel(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'info') throw new UserError(`unknown model command "${sub ?? ''}" (expected: info)`);
  const { flags } = parseArgs(rest, { preset: 'string' });
  const names = flags.preset ? [flags.preset] : Object.keys(PRESETS);
  for (const name of names) {
    const model = resolveConfig(name);
    const text = resolveTextEncoderConfig(name);
    const [dit, enc] = [parameterCount(model), textEncoderParameterCount(text)];
    console.log(`${name}: diffusion transformer ${dit.toLocaleString('en-US')} parameters + text encoder ${enc.toLocaleString('en-US')} = ${(dit + enc).toLocaleString('en-US')}`);
    console.log(`  ${JSON.stringify(model)}`);
  }
  return 0;
}
