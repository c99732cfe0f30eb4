import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, type Parsed } from './argv.js';
import { COMMANDS } from './commands/index.js';
import { UsageError } from './errors.js';

const parse = (line: string): Parsed => parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);

function command(line: string) {
  const p = parse(line);
  assert.equal(p.kind, 'command', `${line} → ${p.kind}`);
  if (p.kind !== 'command') throw new Error('unreachable');
  return p;
}

function usageError(line: string, re: RegExp): void {
  assert.throws(() => parse(line), (e) => e instanceof UsageError && re.test(e.message), line);
}

test('global options are accepted before and after the command', () => {
  const before = command('--data /d --json user list');
  const after = command('user list --data /d --json');
  const between = command('user --json list --data=/d');
  for (const p of [before, after, between]) {
    assert.equal(p.spec.name, 'user list');
    assert.deepEqual(p.globals, { data: '/d', json: true, insecure: false });
  }
  const remote = command('group add Office --description Main --server https://h:1 --token t1 --ca /ca.pem');
  assert.deepEqual(remote.globals, { server: 'https://h:1', token: 't1', ca: '/ca.pem', insecure: false, json: false });
  assert.deepEqual(remote.input.positionals, ['Office']);
  assert.equal(remote.input.values.description, 'Main');
});

test('one-word commands and command options', () => {
  const ev = command('events --limit 5 --device abc');
  assert.equal(ev.spec.name, 'events');
  assert.equal(ev.input.values.limit, '5');
  const add = command('user add alice --admin --rights backup,update');
  assert.deepEqual(add.input.positionals, ['alice']);
  assert.equal(add.input.values.admin, true);
});

test('install-file --token is the enrolment flag; the API token comes before the command or as --token=T', () => {
  const p = command('--server https://h --token api1 group install-file Office --token --max-uses 3');
  assert.equal(p.input.values.token, true);
  assert.equal(p.globals.token, 'api1');
  const inline = command('group install-file Office --server https://h --token=api2');
  assert.equal(inline.globals.token, 'api2');
  assert.equal(inline.input.values.token, undefined);
});

test('server start passes its flags through and honours a global --data given before it', () => {
  const p = parse('--data /d server start --port 0 --host 0.0.0.0');
  assert.equal(p.kind, 'passthrough');
  if (p.kind !== 'passthrough') return;
  assert.deepEqual(p.args, ['--port', '0', '--host', '0.0.0.0']);
  assert.deepEqual(p.globalArgs, ['--data', '/d']);
  assert.equal(parse('server start --port 0 --help').kind, 'help');
});

test('help, version and usage errors', () => {
  assert.deepEqual(parse('--help'), { kind: 'help', topic: '', exitCode: 0 });
  assert.deepEqual(parse('group --help'), { kind: 'help', topic: 'group', exitCode: 0 });
  assert.deepEqual(parse('group grant -h'), { kind: 'help', topic: 'group grant', exitCode: 0 });
  assert.deepEqual(parse('help user add'), { kind: 'help', topic: 'user add', exitCode: 0 });
  assert.equal(parse('').kind, 'help');
  assert.equal((parse('token') as { exitCode: number }).exitCode, 2);
  assert.deepEqual(parse('--version'), { kind: 'version' });
  usageError('frob', /unknown command "frob"/);
  usageError('user frob', /unknown command "user frob"/);
  usageError('user add', /needs NAME/);
  usageError('user add a b', /unexpected argument "b"/);
  usageError('user list --frob', /unknown option --frob/);
  usageError('--frob user list', /unknown option --frob/);
  usageError('user list --data', /--data needs a value/);
  usageError('group grant G', /needs USER_OR_USERGROUP RIGHTS/);
});
