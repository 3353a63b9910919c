// A PostgreSQL server with pgvector for Qianru's tests, on loopback: PGlite (PostgreSQL 18 compiled to WebAssembly,
// with pgvector from @electric-sql/pglite-pgvector) behind a small PostgreSQL wire-protocol bridge.
//
//   node server.mjs [--port N] [--password SECRET] [--max-connections N] [--db memory://|DIR]
//
// Prints "LISTENING <port>" on stdout when ready; stops on SIGTERM/SIGINT or when its stdin closes, so it never
// outlives the test process that started it.
//
// Why a bridge of our own and not @electric-sql/pglite-socket: pglite-socket (0.2.17) hands PGlite one protocol
// message at a time, so after `COPY ... FROM STDIN` PGlite reads end-of-input, drops the connection and shuts the
// database down. PGlite is a single-user backend: it can run a COPY only when the COPY query, its CopyData and its
// CopyDone arrive in one call. This bridge therefore answers the COPY query's CopyInResponse itself, collects the
// client's data until CopyDone (or CopyFail), and hands PGlite the whole unit; PGlite does the COPY. Everything else
// is passed through message by message, as pglite-socket does.
//
// Several connections share the one backend: a connection holds it from its first message until PGlite reports
// ReadyForQuery with status idle (outside a transaction and after a Sync), so transactions and extended-query
// sequences of different clients never interleave. A connection that closes inside a transaction is rolled back.
// A password, when set, is checked in cleartext (AuthenticationCleartextPassword) before the startup message is
// passed on; PGlite itself trusts every connection.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    password: { type: 'string' },
    'max-connections': { type: 'string', default: '8' },
    db: { type: 'string', default: 'memory://' },
  },
});

const db = await PGlite.create(args.db, { extensions: { vector } });
const maxConnections = Number(args['max-connections']);
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;

// One holder of the backend at a time; others queue in arrival order.
let holder = null;
const waiting = [];
function acquire(connection) {
  if (holder === connection) return Promise.resolve();
  if (holder === null) { holder = connection; return Promise.resolve(); }
  return new Promise((resolve) => waiting.push({ connection, resolve }));
}
function release(connection) {
  if (holder !== connection) return;
  const next = waiting.shift();
  holder = next ? next.connection : null;
  next?.resolve();
}

function message(type, body) {
  const header = Buffer.alloc(5);
  header.write(type, 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function errorResponse(code, text) {
  const fields = [['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', text]];
  return message('E', Buffer.concat([...fields.map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')), Buffer.alloc(1)]));
}

// The messages of a backend reply, as [type, start, end] triples.
function* messages(bytes) {
  for (let at = 0; at + 5 <= bytes.length;) {
    const end = at + 1 + bytes.readInt32BE(at + 1);
    yield [String.fromCharCode(bytes[at]), at, end];
    at = end;
  }
}

// COPY <table> (<columns>) FROM STDIN [WITH] (FORMAT BINARY|TEXT|CSV): the CopyInResponse PostgreSQL would send.
function copyInResponse(sql) {
  const match = /^\s*COPY\s+[^(]+\(([^)]*)\)\s+FROM\s+STDIN\b(.*)$/is.exec(sql);
  if (!match) return null;
  const columns = match[1].split(',').length;
  const binary = /\bBINARY\b/i.test(match[2]) ? 1 : 0;
  const body = Buffer.alloc(3 + 2 * columns);
  body.writeInt8(binary, 0);
  body.writeInt16BE(columns, 1);
  for (let i = 0; i < columns; i++) body.writeInt16BE(binary, 3 + 2 * i);
  return message('G', body);
}

let connections = 0;
const server = net.createServer((socket) => {
  if (connections >= maxConnections) {
    socket.end(errorResponse('53300', 'sorry, too many clients already'));
    return;
  }

  connections++;
  const connection = { id: connections };
  let buffer = Buffer.alloc(0);
  let startup = null;
  let authenticated = args.password === undefined;
  let started = false;
  let copy = null;
  let closed = false;
  let chain = Promise.resolve();

  const run = async (bytes, dropCopyIn) => {
    await acquire(connection);
    let reply;
    try {
      reply = Buffer.from(await db.execProtocolRaw(bytes));
    } catch (error) {
      socket.destroy();
      throw error;
    }
    let idle = false;
    const kept = [];
    for (const [type, start, end] of messages(reply)) {
      if (type === 'G' && dropCopyIn) continue;
      if (type === 'Z') idle = reply[end - 1] === 0x49; // 'I'
      kept.push(reply.subarray(start, end));
    }
    if (!closed) socket.write(Buffer.concat(kept));
    if (idle) release(connection);
  };

  const handle = async (type, bytes) => {
    if (copy !== null) {
      copy.push(bytes);
      if (type === 'c' || type === 'f') {
        const unit = Buffer.concat(copy);
        copy = null;
        await run(unit, true);
      }
      return;
    }

    if (type === 'X') { socket.end(); return; }
    if (type === 'Q') {
      const response = copyInResponse(bytes.subarray(5, bytes.length - 1).toString('utf8'));
      if (response !== null) {
        copy = [bytes];
        socket.write(response);
        return;
      }
    }

    await run(bytes, false);
  };

  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (startup === null) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (length === 8 && code === SSL_REQUEST) { buffer = buffer.subarray(8); socket.write('N'); continue; }
        if (buffer.length < length) return;
        if (code === CANCEL_REQUEST || code !== PROTOCOL_3) { socket.end(); return; }
        startup = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (!authenticated) {
          const ask = Buffer.alloc(4);
          ask.writeInt32BE(3, 0); // AuthenticationCleartextPassword
          socket.write(message('R', ask));
          continue;
        }
      }

      if (!started && authenticated) {
        started = true;
        const bytes = startup;
        chain = chain.then(() => run(bytes, false));
        continue;
      }

      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < length + 1) return;
      const bytes = buffer.subarray(0, length + 1);
      const type = String.fromCharCode(bytes[0]);
      buffer = buffer.subarray(length + 1);
      if (!authenticated) {
        const user = /(?:^|\0)user\0([^\0]*)/.exec(startup.subarray(8).toString('utf8'))?.[1] ?? '';
        if (type !== 'p' || bytes.subarray(5, bytes.length - 1).toString('utf8') !== args.password) {
          socket.end(errorResponse('28P01', `password authentication failed for user "${user}"`));
          return;
        }
        authenticated = true;
        continue;
      }

      chain = chain.then(() => handle(type, bytes));
    }
  });

  const close = () => {
    if (closed) return;
    closed = true;
    connections--;
    chain = chain.then(async () => {
      if (holder === connection) {
        if (db.isInTransaction?.() ?? true) {
          await db.exec('ROLLBACK').catch(() => {});
        }
        release(connection);
      } else {
        const i = waiting.findIndex((w) => w.connection === connection);
        if (i >= 0) waiting.splice(i, 1);
      }
    });
  };
  socket.on('close', close);
  socket.on('error', close);
});

server.listen(Number(args.port), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  await db.close().catch(() => {});
  process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
