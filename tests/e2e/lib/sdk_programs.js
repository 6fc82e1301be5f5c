// The C++ SDK's example programs (support_agent, openai_standin), found next to the tracelake
// binary (build-ci/bin/ in CI, from TRACELAKE_BIN's folder).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tracelakeBinary } from './server.js';

export function sdkProgram(name) {
  const p = path.join(path.dirname(tracelakeBinary()), name);
  if (!fs.existsSync(p)) throw new Error(`${name} not found at ${p}; build the examples (cmake --build ... --target ${name})`);
  return p;
}

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|ThreadSanitizer/;

// Runs a program to completion; resolves {code, signal, stdout, stderr}. Rejects on timeout.
export function run(file, args, { env = {}, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => { stdout += c; });
    proc.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${path.basename(file)} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (SANITIZER_REPORT.test(stderr)) {
        reject(new Error(`${path.basename(file)} printed a sanitizer report:\n${stderr}`));
        return;
      }
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// The OpenAI-compatible stand-in on a free port; stop() ends it with SIGTERM.
export async function startStandin(extraArgs = []) {
  const proc = spawn(sdkProgram('openai_standin'), ['--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openai_standin did not start:\n${output}`)), 60000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (c) => { output += c; });
    proc.on('exit', () => reject(new Error(`openai_standin exited during start-up:\n${output}`)));
  });
  return {
    baseUrl,
    async stop() {
      proc.kill('SIGTERM');
      const exit = await exited;
      if (SANITIZER_REPORT.test(output)) throw new Error(`openai_standin printed a sanitizer report:\n${output}`);
      return exit;
    },
  };
}
