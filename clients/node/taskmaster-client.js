#!/usr/bin/env node
// A small Taskmaster client in Node.js. @grpc/proto-loader reads the .proto when the program
// starts: there is no generated code to keep.
//
//   node taskmaster-client.js status
//   node taskmaster-client.js events              follows; resumes after a reconnect
//   node taskmaster-client.js tail web -n 20
//   node taskmaster-client.js attach shell hello
//   node taskmaster-client.js roles
//
// Options: --socket PATH (default: where taskmasterd puts it), or a TCP listener with TLS:
// --server HOST:PORT [--ca FILE] [--token-file FILE] [--cert FILE --key FILE];
// --proto-path DIR (repeatable; default: the repository's proto/src/main/proto).
// Exit codes: 0 done, 1 the daemon answered with an error or could not be reached, 2 bad usage,
// 3 a socket that is not ours or root's.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROG = 'taskmaster-client.js';
const CALL_TIMEOUT_MS = 10_000;

function defaultSocket(instance = 'default') {
  const runtime = (process.env.XDG_RUNTIME_DIR || '').trim();
  const base = runtime ? path.join(runtime, 'taskmaster') : `/tmp/taskmaster-${os.userInfo().uid}`;
  return path.join(base, `${instance}.sock`);
}

function loadContract(protoPaths) {
  const definition = protoLoader.loadSync('taskmaster/v1/taskmaster.proto', {
    includeDirs: protoPaths,
    longs: String, // uint64 sequences and int64 offsets do not fit a JS number
    enums: String, // "PROCESS_STATE_RUNNING" rather than 3
    defaults: true,
    oneofs: true, // msg.kind / event.payload name the field that is set
  });
  return { definition, v1: grpc.loadPackageDefinition(definition).taskmaster.v1 };
}

class Refused extends Error {}

// The absolute path with every link resolved, as far as it exists (a missing socket keeps its name).
function resolved(p) {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch (e) {
    if (e.code !== 'ENOENT' || path.dirname(abs) === abs) throw e;
    return path.join(resolved(path.dirname(abs)), path.basename(abs));
  }
}

// Refuses a socket (or a directory above it) that another user owns or could replace: whoever
// owns it answers our calls. Returns the path to dial: the one checked, with its links resolved,
// so no link can be repointed between this check and a (re)connection. A missing socket is
// left to the dial to report.
function checkSocket(socketPath) {
  const me = os.userInfo().uid;
  const real = resolved(socketPath);
  const st = statIfThere(real);
  if (st) {
    if (!st.isSocket()) throw new Refused(`${socketPath} is not a socket`);
    if (st.uid !== me && st.uid !== 0) throw new Refused(`${socketPath} is owned by uid ${st.uid}, not by you (${me}) or root`);
  }
  for (let dir = path.dirname(real); ; dir = path.dirname(dir)) {
    const d = statIfThere(dir); // not there yet: whoever makes it must own the one above
    if (d && d.uid !== me && d.uid !== 0) throw new Refused(`its directory ${dir} is owned by uid ${d.uid}, not by you (${me}) or root`);
    if (d && (d.mode & 0o022) && !(d.mode & 0o1000)) {
      throw new Refused(`its directory ${dir} is writable by others (mode ${(d.mode & 0o7777).toString(8)}) without the sticky bit`);
    }
    if (dir === '/') return real;
  }
}

function statIfThere(p) {
  try {
    return fs.statSync(p);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

// A token or key file; refused when others may read it, as taskmasterctl does.
function readSecret(option, file) {
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new Refused(`${option} ${file}: it is open to others (mode ${mode.toString(8).padStart(4, '0')}); a secret must be readable by you only`);
  }
  return fs.readFileSync(file);
}

function connect(v1, o) {
  // Reconnect quickly after a break, so a resumed stream (events) loses little time.
  const options = { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000 };
  if (o.server) {
    // TLS, trusting --ca (else the system's CAs); a client certificate for mutual TLS; the
    // token as "authorization: Bearer TOKEN" on every call (grpc-js sends it over TLS only).
    let creds = grpc.credentials.createSsl(
      o.ca ? fs.readFileSync(o.ca) : null,
      o.key ? readSecret('--key', o.key) : null,
      o.cert ? fs.readFileSync(o.cert) : null,
    );
    if (o.tokenFile) {
      const token = readSecret('--token-file', o.tokenFile).toString('utf8').trim();
      creds = grpc.credentials.combineChannelCredentials(creds, grpc.credentials.createFromMetadataGenerator((_, callback) => {
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        callback(null, metadata);
      }));
    }
    return new v1.TaskmasterService(o.server, creds, options);
  }
  let real;
  try {
    real = checkSocket(o.socket);
  } catch (e) {
    if (e instanceof Refused) e.message = `${o.socket}: ${e.message}`;
    throw e;
  }
  // "unix:///abs/path" is gRPC's Unix socket target.
  return new v1.TaskmasterService(`unix://${real}`, grpc.credentials.createInsecure(), options);
}

// Unary calls as promises, each with a deadline.
function call(client, method, request) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + CALL_TIMEOUT_MS }, (err, reply) => (err ? reject(err) : resolve(reply)));
  });
}

const stateName = (s) => s.replace(/^PROCESS_STATE_/, '');

function hms(duration) {
  const s = Number(duration.seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// How the last process of this instance ended, in a few words; "-" if none ended yet.
function exitReason(p) {
  const e = p.lastExit;
  if (!e) return '-';
  let text;
  switch (e.outcome) {
    case 'exited': text = `exit ${e.exited.code}`; break;
    case 'killed': text = `signal ${e.killed.signalName || e.killed.signalNumber}${e.killed.coreDumped ? ', core dumped' : ''}`; break;
    case 'spawnFailed': return `spawn failed: ${e.spawnFailed.reason}`;
    default: return 'exit status unknown';
  }
  return `${text} ${e.expected ? '(expected)' : '(unexpected)'}`;
}

async function status(client) {
  const reply = await call(client, 'ListProcesses', {});
  const rows = [['NAME', 'STATE', 'PID', 'UPTIME', 'EXIT']];
  for (const p of reply.processes) {
    rows.push([p.fullName, stateName(p.state), p.pid ? String(p.pid) : '-', p.uptime ? hms(p.uptime) : '-', exitReason(p)]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(`${r.slice(0, 4).map((c, i) => c.padEnd(widths[i])).join('  ')}  ${r[4]}`);
  return 0;
}

function describe(event) {
  if (event.payload === 'processStateChanged') {
    const c = event.processStateChanged;
    return `${c.process.fullName} ${stateName(c.fromState)} -> ${stateName(c.toState)} (${c.reason})`;
  }
  if (event.payload === 'daemonShuttingDown') return `daemon shutting down: ${event.daemonShuttingDown.reason}`;
  return event.payload.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}

// Follows the journal; after a broken stream, resumes from the last sequence seen + 1.
// The contract: WatchEvents with from_sequence N replays every kept event with sequence >= N, so
// passing last + 1 gives each event exactly once. Sequences belong to one journal_id (one daemon
// run); sending it back lets the daemon say so (EventsMissed) after it restarted.
// Sequences are uint64: kept as BigInt, sent as decimal strings.
async function events(client) {
  let last = 0n;
  let journal = '';
  let shuttingDown = false;
  for (;;) {
    const request = { fromSequence: last ? String(last + 1n) : '0', journalId: journal };
    // waitForReady: a call made while the socket is away waits for it to come back.
    const stream = client.WatchEvents(request, new grpc.Metadata({ waitForReady: true }));
    try {
      for await (const msg of stream) {
        if (msg.kind === 'snapshot') {
          journal = msg.snapshot.journalId;
          last = BigInt(msg.snapshot.sequence);
          console.log(`snapshot at #${last}: ${msg.snapshot.processes.length} processes`);
        } else if (msg.kind === 'event') {
          last = BigInt(msg.event.sequence);
          shuttingDown ||= msg.event.payload === 'daemonShuttingDown';
          console.log(`#${last} ${describe(msg.event)}`);
        } else if (msg.kind === 'eventsMissed') {
          const m = msg.eventsMissed;
          console.log(`missed events from #${m.requestedSequence} (${m.reason.replace(/^EVENTS_MISSED_REASON_/, '')}); a snapshot follows`);
        } else if (msg.kind === 'heartbeat' && BigInt(msg.heartbeat.latestSequence) > last) {
          last = BigInt(msg.heartbeat.latestSequence);
        }
      }
      return 0;
    } catch (err) {
      if (err.code !== grpc.status.UNAVAILABLE) throw err;
      if (shuttingDown) return 0; // the daemon said it was going: the stream's end is the expected one
      console.error(`${PROG}: stream broken (${err.details}); resuming from #${last + 1n}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// Prints the last N lines, reading backwards in 64 KiB steps until it has them.
async function tail(client, name, lines) {
  const step = 64 * 1024;
  let reply = await call(client, 'TailOutput', { name, maxBytes: step });
  let data = reply.data;
  let start = Number(reply.offset);
  const newlines = (b) => b.reduce((n, c) => n + (c === 10), 0);
  while (newlines(data) <= lines && start > 0) {
    const offset = Math.max(0, start - step);
    const more = await call(client, 'TailOutput', { name, offset: String(offset), maxBytes: String(start - offset) });
    if (Number(more.offset) >= start || more.data.length === 0) break; // older output is no longer held
    data = Buffer.concat([more.data.subarray(0, start - Number(more.offset)), data]);
    start = Number(more.offset);
  }
  const all = data.toString('utf8').split(/\r?\n/);
  if (all[all.length - 1] === '') all.pop();
  if (lines > 0) for (const line of all.slice(-lines)) console.log(line);
  return 0;
}

// Sends one line to the process and prints the first line it answers. On a tty program the
// terminal echoes what is typed: a line equal to the one sent is that echo, not the answer.
function attach(client, name, line, timeoutMs) {
  return new Promise((resolve, reject) => {
    const stream = client.AttachOutput({ name, inputMode: 'INPUT_MODE_EXCLUSIVE' }, { deadline: Date.now() + timeoutMs });
    let pending = '';
    let done = false;
    const finish = (code) => {
      done = true;
      stream.cancel(); // detach
      resolve(code);
    };
    stream.on('data', (msg) => {
      if (done) return;
      if (msg.kind === 'started') {
        const started = msg.started;
        if (!started.inputLease.granted) {
          console.error(`${PROG}: cannot type into ${name}: input held by ${started.inputLease.holder}`);
          finish(1);
          return;
        }
        call(client, 'SendInput', { name, sessionId: started.sessionId, data: Buffer.from(`${line}\n`) }).catch((err) => {
          done = true;
          stream.cancel();
          reject(err);
        });
      } else if (msg.kind === 'chunk') {
        pending += msg.chunk.data.toString('utf8');
        const parts = pending.split('\n');
        pending = parts.pop();
        for (const raw of parts) {
          const text = raw.replace(/\r$/, '');
          if (text !== line) {
            console.log(text);
            finish(0);
            return;
          }
        }
      }
    });
    stream.on('error', (err) => {
      if (done) return;
      done = true;
      if (err.code === grpc.status.DEADLINE_EXCEEDED) {
        console.error(`${PROG}: no answer from ${name} within ${timeoutMs / 1000}s`);
        resolve(1);
      } else {
        reject(err);
      }
    });
    stream.on('end', () => {
      if (done) return;
      console.error(`${PROG}: the attach stream of ${name} ended without an answer`);
      finish(1);
    });
  });
}

// Prints the role each RPC needs: proto-loader keeps the required_role option of each method.
function roles(definition) {
  const service = definition['taskmaster.v1.TaskmasterService'];
  for (const [method, def] of Object.entries(service)) {
    const role = def.options['(taskmaster.v1.required_role)'];
    console.log(`${method} ${role.replace(/^ROLE_/, '').toLowerCase()}`);
  }
  return 0;
}

function usage(message) {
  console.error(`${PROG}: ${message}`);
  console.error(`usage: ${PROG} [--socket PATH | --server HOST:PORT [--ca FILE] [--token-file FILE] [--cert FILE --key FILE]] [--proto-path DIR]... status | events | tail NAME [-n LINES] | attach NAME LINE [--timeout SECONDS] | roles`);
  return 2;
}

async function main(argv) {
  const o = { socket: defaultSocket() };
  const named = { '--socket': 'socket', '--server': 'server', '--ca': 'ca', '--token-file': 'tokenFile', '--cert': 'cert', '--key': 'key' };
  const protoPaths = [];
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a in named || a === '--proto-path' || a === '-n' || a === '--lines' || a === '--timeout') {
      if (i + 1 >= argv.length) return usage(`${a} needs a value`);
      const v = argv[++i];
      if (a in named) o[named[a]] = v;
      else if (a === '--proto-path') protoPaths.push(v);
      else args.push(a, v);
    } else {
      args.push(a);
    }
  }
  if (!o.cert !== !o.key) return usage('--cert and --key go together');
  if (!o.server && (o.ca || o.tokenFile || o.cert)) return usage('--ca, --token-file, --cert and --key go with --server');
  if (protoPaths.length === 0) protoPaths.push(path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto'));
  const [command, ...rest] = args;
  const option = (names, fallback) => {
    const i = rest.findIndex((r) => names.includes(r));
    if (i < 0) return fallback;
    const [, v] = rest.splice(i, 2);
    return Number(v);
  };
  const lines = option(['-n', '--lines'], 10);
  const timeout = option(['--timeout'], 10);
  if (!Number.isInteger(lines) || lines < 0) return usage(`--lines must be an integer >= 0, got ${lines}`);
  if (!(timeout > 0)) return usage(`--timeout must be a number of seconds > 0, got ${timeout}`);

  const { definition, v1 } = loadContract(protoPaths);
  if (command === 'roles') return roles(definition);
  const expected = { status: 0, events: 0, tail: 1, attach: 2 }[command];
  if (expected === undefined) return usage(command ? `unknown command "${command}"` : 'no command');
  if (rest.length !== expected) return usage(`${command} takes ${expected} argument(s), got ${rest.length}`);

  let client;
  try {
    client = connect(v1, o);
  } catch (e) {
    if (e instanceof Refused) {
      console.error(`${PROG}: refusing ${e.message}`);
      return 3;
    }
    if (e.code === 'ENOENT' || e.code === 'EACCES') {
      console.error(`${PROG}: ${e.path}: ${e.code === 'ENOENT' ? 'no such file' : 'permission denied'}`);
      return 2;
    }
    throw e;
  }
  try {
    switch (command) {
      case 'status': return await status(client);
      case 'events': return await events(client);
      case 'tail': return await tail(client, rest[0], lines);
      default: return await attach(client, rest[0], rest[1], timeout * 1000);
    }
  } catch (err) {
    if (err.code === undefined) throw err;
    console.error(`${PROG}: ${grpc.status[err.code]}: ${err.details}`);
    return 1;
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
