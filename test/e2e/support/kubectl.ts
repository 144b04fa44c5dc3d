// Runs the real kubectl against the test cluster, as a user would.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function kubectlPath(): string {
  const bin = process.env.AUTOPILOT_TOOLS_BIN;
  return bin ? join(bin, 'kubectl') : 'kubectl';
}

/** kubectl's stdout; rejects with its stderr in the message when it exits non-zero. */
export async function kubectl(...args: string[]): Promise<string> {
  return kubectlWithInput(undefined, ...args);
}

/** `kubectl apply -f -` of a YAML document. */
export const kubectlApply = (yaml: string) => kubectlWithInput(yaml, 'apply', '-f', '-');

async function kubectlWithInput(input: string | undefined, ...args: string[]): Promise<string> {
  try {
    const running = run(kubectlPath(), args, { maxBuffer: 16 * 1024 * 1024 });
    if (input !== undefined) running.child.stdin!.end(input);
    const { stdout } = await running;
    return stdout;
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${stderr ?? String(err)}`);
  }
}
