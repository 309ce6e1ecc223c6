/**
 * Runs external commands with an argument array (never a shell string), a timeout and a
 * typed error that carries the command, exit code and stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { log } from './log.js';

/** A command failed, timed out or could not be started. */
export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    readonly command: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    reason: string,
    /** True when the caller's signal stopped the command. */
    readonly cancelled = false,
  ) {
    super(`${command[0]} ${reason}: ${stderr.trim().split('\n').slice(-3).join(' ') || '(no output)'}`);
  }
}

/** Options for {@link run}. */
export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Called with each chunk of stderr (qemu-img -p writes progress to stdout, so both are offered). */
  onStdout?: (chunk: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the command (SIGKILL) and rejects with an ExecError whose `cancelled` is true. */
  signal?: AbortSignal;
}

/** Result of a successful run. */
export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Output kept per stream: a chatty command cannot grow memory (the end is what explains a failure). */
export const MAX_OUTPUT = 1024 * 1024;

/** Children still running, so shutdown can stop them instead of leaving a qemu-img writing into a disk. */
const running = new Set<ChildProcess>();

/** Appends `chunk`, keeping the last MAX_OUTPUT characters. */
const keepTail = (text: string, chunk: string) => (text.length + chunk.length > MAX_OUTPUT ? (text + chunk).slice(-MAX_OUTPUT) : text + chunk);

/** Sends SIGTERM to every command still running (at shutdown); returns how many there were. */
export function stopAllChildren(): number {
  for (const child of running) child.kill('SIGTERM');
  return running.size;
}

/** Runs `command[0]` with the remaining arguments; resolves on exit code 0, rejects with ExecError otherwise. */
export function run(command: string[], options: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = command;
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    // No stdin unless there is input: a command that exits before reading it would make writes fail with EPIPE.
    const child = spawn(file, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: options.env });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const cancel = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', cancel, { once: true });
    if (options.signal?.aborted) cancel();
    const settle = () => {
      running.delete(child);
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', cancel);
    };
    // Both are pipes (see stdio above); the types only lose that because stdin varies.
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout = keepTail(stdout, chunk);
      options.onStdout?.(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = keepTail(stderr, chunk)));
    child.on('error', (err) => {
      settle();
      reject(new ExecError(command, null, stderr, `could not be started (${err.message})`));
    });
    child.on('close', (code) => {
      settle();
      if (options.signal?.aborted) reject(new ExecError(command, code, stderr, 'was cancelled', true));
      else if (timedOut) reject(new ExecError(command, code, stderr, `timed out after ${timeoutMs} ms`));
      else if (code !== 0) reject(new ExecError(command, code, stderr, `exited with code ${code}`));
      else resolve({ stdout, stderr });
    });
    if (child.stdin) {
      // The exit code tells whether the command failed; a command that ignores its input must not crash us.
      child.stdin.on('error', (err) => log.debug('stdin of a command closed early', { command: file, error: String(err) }));
      child.stdin.end(options.input);
    }
  });
}
