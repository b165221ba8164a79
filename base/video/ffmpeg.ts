/**
 * Running ffmpeg. The binary is the static build shipped by `@ffmpeg-installer/ffmpeg`
 * (ffmpeg 4.x with libx264, libvpx and GIF), unless `SPACETIME_FFMPEG` names another.
 * There is no ffprobe: stream facts (fps) are read from ffmpeg's own stderr.
 *
 *   const { code, stderr } = await runFfmpeg(['-i', 'clip.mp4', '-f', 'null', '-']);
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { UserError } from '../errors.js';

/** Environment variable that overrides the bundled ffmpeg binary: `SPACETIME_FFMPEG=/usr/bin/ffmpeg`. */
export const FFMPEG_ENV = 'SPACETIME_FFMPEG';

/**
 * Path of the ffmpeg binary: `$SPACETIME_FFMPEG` if set and non-empty, else the
 * bundled static build.
 *
 *   ffmpegPath() // '/…/node_modules/@ffmpeg-installer/linux-x64/ffmpeg'
 */
export function ffmpegPath(): string {
  const override = process.env[FFMPEG_ENV];
  return override !== undefined && override.trim() !== '' ? override : ffmpegInstaller.path;
}

/** What `runFfmpeg` resolves with: `{ stdout, stderr, code }`. */
export interface FfmpegResult {
  /** Everything ffmpeg wrote to stdout (decoded frames when the output is `-`). */
  stdout: Buffer;
  /** ffmpeg's log: stream info, warnings, errors. */
  stderr: string;
  /** Exit status; non-zero means ffmpeg failed. `runFfmpeg` does not throw on it. */
  code: number;
}

/**
 * Run ffmpeg with `-hide_banner` followed by `args`, optionally feeding `input` on
 * stdin (pair it with `-i -` or `-i pipe:0`). Resolves with stdout, stderr and the
 * exit code even when ffmpeg fails, so each caller can phrase its own error; rejects
 * only when the binary cannot be started (a one-line UserError naming its path).
 *
 *   const r = await runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '32x32', '-i', '-', 'out.png'],
 *                             { input: frameBytes });
 *   if (r.code !== 0) throw new UserError(ffmpegReason(r.stderr));
 */
export function runFfmpeg(args: string[], opts: { input?: Uint8Array } = {}): Promise<FfmpegResult> {
  const bin = ffmpegPath();
  return new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<Writable, Readable, Readable>;
    try {
      child = spawn(bin, ['-hide_banner', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      reject(spawnError(bin, err));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) => reject(spawnError(bin, e)));
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ stdout: Buffer.concat(out), stderr, code: code ?? (signal ? 128 : 1) });
    });
    // ffmpeg may exit before reading all input (bad args, corrupt stream); the
    // resulting EPIPE is expected and its real reason is in stderr.
    child.stdin.on('error', () => {});
    // Without input, stdin is closed at once so ffmpeg never waits for keyboard commands.
    child.stdin.end(opts.input);
  });
}

/**
 * How to name a local file on ffmpeg's command line: absolute, behind the `file:`
 * protocol, so names like `-`, `run:3.mp4` or `http.mp4` are never read as stdin,
 * another protocol or an option. ffmpeg's log then names the file in this form too.
 *
 *   fileArg('out/a:b.mp4') // 'file:/home/me/project/out/a:b.mp4'
 */
export function fileArg(file: string): string {
  return `file:${path.resolve(file)}`;
}

function spawnError(bin: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException)?.code ?? 'error';
  return new UserError(`cannot run ffmpeg at ${bin} (${code}); set ${FFMPEG_ENV} to a working ffmpeg binary`);
}

/** ffmpeg's closing lines that say only that something before them went wrong. */
const GENERIC_LINES = /^(Conversion failed!|Exiting normally.*|At least one output file must be specified|Error marking filters as finished)$/;
/** A cut-off file makes ffmpeg report later, vaguer errors; the truncation is the cause. */
const TRUNCATION = /truncated|partial file/i;
const ERROR_LIKE = /invalid|error|corrupt|partial file|not found|no such|cannot|could not|failed|unable|matches no|denied|unsupported/i;

/**
 * The most useful single line of an ffmpeg log, for a one-line UserError: the last
 * line about `file` (`file: reason`), else a truncation notice, else the last
 * error-looking line, with ffmpeg's `[tag @ 0x…]` prefix removed; generic closers
 * like "Conversion failed!" are skipped. Pass `file` as it was given to ffmpeg.
 *
 *   ffmpegReason('…\nfoo.mp4: Invalid data found when processing input\n', 'foo.mp4')
 *   // 'Invalid data found when processing input'
 */
export function ffmpegReason(stderr: string, file?: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim().replace(/^\[[^\]]*@ ?0x[0-9a-f]+\]\s*/i, ''))
    .filter((l) => l !== '' && !GENERIC_LINES.test(l))
    .reverse();
  if (file !== undefined) {
    const aboutFile = lines.find((l) => l.startsWith(`${file}: `));
    if (aboutFile !== undefined) return aboutFile.slice(file.length + 2);
  }
  return lines.find((l) => TRUNCATION.test(l)) ?? lines.find((l) => ERROR_LIKE.test(l)) ?? lines[0] ?? 'ffmpeg failed without a message';
}
