/**
 * Reading a password: never from argv. From stdin's first line when stdin is not a terminal
 * (scripts: `echo "$PW" | meshwork user add alice`), else prompted twice without echo.
 */
import { CliError } from './errors.js';
import { text as writeText } from './output/streams.js';

export async function readPassword(what: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!stdin.isTTY) {
    const line = await firstLine(stdin);
    if (line === '') throw new CliError('no_password', `no ${what} on stdin (send it as the first line)`);
    return line;
  }
  const first = await promptHidden(`${what[0]?.toUpperCase() ?? ''}${what.slice(1)}: `, stdin, stderr);
  const second = await promptHidden('Again: ', stdin, stderr);
  if (first !== second) throw new CliError('password_mismatch', 'the two passwords differ');
  if (first === '') throw new CliError('no_password', `empty ${what}`);
  return first;
}

async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').replace(/\r$/, '');
}

function promptHidden(question: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    void writeText(stderr, question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const finish = (err: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      void writeText(stderr, '\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: string): void => {
      for (const ch of data) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new CliError('cancelled', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
