// Reads an operator's pino JSON log for `npm run dev`: one readable line per decision or error, from the
// operator's stdout or from its log file as the file grows.
import type { ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** The readable form of one log line: its decision or error; undefined for the rest of the log. */
function narration(line: string): string | undefined {
  let entry: Record<string, string>;
  try {
    entry = JSON.parse(line) as Record<string, string>;
  } catch {
    return line;
  }
  if (entry.msg !== 'decided' && Number(entry.level) < 50) return undefined;
  const time = (entry.time ?? '').slice(11, 19);
  return `${time} ${entry.name ?? ''} ${entry.action ?? ''} ${entry.state ?? ''} ${entry.reason ?? entry.err ?? entry.msg}`;
}

/** Splits chunks into lines and prints the narration of each, after `prefix`. */
function lineWriter(prefix: string): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const told = narration(line);
      if (told !== undefined) console.log(prefix + told);
    }
  };
}

/** Prints the operator's decisions from its piped stdout; the full JSON log stays in the child. */
export function narrate(operator: ChildProcess, prefix = ''): void {
  const write = lineWriter(prefix);
  operator.stdout!.setEncoding('utf8').on('data', write);
}

/** Prints the decisions an operator appends to `logFile`, read every 500 ms; returns the function that stops. */
export function narrateLogFile(logFile: string, prefix = ''): () => void {
  const write = lineWriter(prefix);
  const decoder = new StringDecoder('utf8'); // a read may end inside a character
  let offset = 0;
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    void (async () => {
      const file = await open(logFile, 'r');
      try {
        const buffer = Buffer.alloc(64 * 1024);
        for (;;) {
          const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          write(decoder.write(buffer.subarray(0, bytesRead)));
        }
      } finally {
        await file.close();
      }
    })()
      .catch(() => {})
      .finally(() => (reading = false));
  }, 500);
  return () => clearInterval(timer);
}
