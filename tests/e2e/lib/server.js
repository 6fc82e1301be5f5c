// Starts the real tracelake binary on free ports with a temporary data folder, waits until
// /health answers, and stops it with SIGTERM, checking that it exits cleanly (code 0, no
// sanitizer report). The binary comes from TRACELAKE_BIN, else build-ci/ or build/.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

// The exporters read OTEL_EXPORTER_OTLP_* at construction; a developer's or CI's settings must
// not leak into a hermetic test.
for (const key of Object.keys(process.env)) {
  if (key.startsWith('OTEL_')) delete process.env[key];
}

export function tracelakeBinary() {
  const candidates = [
    process.env.TRACELAKE_BIN,
    path.join(repoRoot, 'build-ci', 'bin', 'tracelake'),
    path.join(repoRoot, 'build', 'bin', 'tracelake'),
  ].filter(Boolean);
  for (const c of candidates) {
    if (fs.existsSync(c)) return path.resolve(c);
  }
  throw new Error(
    `tracelake binary not found (tried ${candidates.join(', ')}); build it or set TRACELAKE_BIN`);
}

// A port that was free a moment ago: bind port 0, read it, close.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|ThreadSanitizer/;

export class TracelakeServer {
  constructor(opts = {}) {
    this.opts = opts;
    this.dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tracelake-e2e-'));
    this.ownsDataDir = opts.dataDir === undefined;
    this.output = '';
    this.proc = null;
    this.exit = null;  // {code, signal} once exited
  }

  get url() { return `http://127.0.0.1:${this.port}`; }
  get grpcUrl() { return `http://127.0.0.1:${this.grpcPort}`; }
  get grpcTarget() { return `127.0.0.1:${this.grpcPort}`; }

  // Last lines of the server's stdout+stderr, for assertion messages.
  tail(lines = 40) {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  async start() {
    // Ports picked by binding port 0 can be taken by someone else before the server binds
    // them; retry a few times when the server fails to start.
    let lastError;
    for (let attempt = 0; attempt < 3; attempt++) {
      this.port = await freePort();
      this.grpcPort = this.opts.grpc === false ? 0 : await freePort();
      try {
        await this.#spawnAndWait();
        return this;
      } catch (e) {
        lastError = e;
        if (this.exit === null) throw e;  // did not exit: a real hang, not a port race
      }
    }
    throw lastError;
  }

  async #spawnAndWait() {
    const args = [
      'server', '--host', '127.0.0.1', '--port', String(this.port),
      '--otlp-grpc-port', String(this.grpcPort),
      '--data-dir', this.dataDir,
      '--backend-store-uri', `sqlite:///${path.join(this.dataDir, 'tracelake.db')}`,
    ];
    if (this.opts.maxRequestBytes) args.push('--max-request-bytes', String(this.opts.maxRequestBytes));
    if (this.opts.extraArgs) args.push(...this.opts.extraArgs);
    this.exit = null;
    this.output += `\n$ tracelake ${args.join(' ')}\n`;
    const env = this.opts.env ? { ...process.env, ...this.opts.env } : process.env;
    const proc = spawn(tracelakeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.proc = proc;
    const append = (chunk) => { this.output += chunk.toString(); };
    proc.stdout.on('data', append);
    proc.stderr.on('data', append);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    const deadline = Date.now() + (Number(process.env.TRACELAKE_E2E_START_TIMEOUT_MS) || 60000);
    while (Date.now() < deadline) {
      if (this.exit !== null) {
        throw new Error(`tracelake exited during start-up (${JSON.stringify(this.exit)}):\n${this.tail()}`);
      }
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        const body = await res.text();
        if (res.status === 200) {
          if (body.trim() !== 'OK') throw new Error(`/health answered 200 with body ${JSON.stringify(body)}`);
          return;
        }
      } catch (e) {
        if (e.message.startsWith('/health answered')) throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new Error(`tracelake did not answer /health within the start timeout:\n${this.tail()}`);
  }

  // SIGTERM, wait for exit; returns {code, signal}. Does not assert (see stopCleanly).
  async stop(timeoutMs = 60000) {
    if (!this.proc) return this.exit;
    if (this.exit === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const exit = await this.exited;
    clearTimeout(timer);
    this.#saveLog();
    return exit;
  }

  // Stops and throws unless the server exited with code 0 and printed no sanitizer report.
  async stopCleanly() {
    const exit = await this.stop();
    if (exit.code !== 0 || exit.signal !== null) {
      throw new Error(`tracelake did not exit cleanly after SIGTERM: ${JSON.stringify(exit)}\n${this.tail(80)}`);
    }
    if (SANITIZER_REPORT.test(this.output)) {
      throw new Error(`tracelake printed a sanitizer report:\n${this.tail(120)}`);
    }
    return exit;
  }

  // Starts again on the same data folder (new ports).
  async restart() {
    if (this.proc && this.exit === null) await this.stop();
    this.proc = null;
    return this.start();
  }

  removeDataDir() {
    if (this.ownsDataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  #saveLog() {
    const dir = process.env.TRACELAKE_E2E_LOG_DIR;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const name = `server-${path.basename(this.dataDir)}.log`;
    fs.writeFileSync(path.join(dir, name), this.output);
  }
}

// Starts a server and waits until it is ready. Test files call it from before() and call
// stopCleanly() (asserts exit code 0, no sanitizer report) and removeDataDir() from after().
export async function startServer(opts) {
  const server = new TracelakeServer(opts);
  await server.start();
  return server;
}
