// What the evaluation tests share: tiny HTTP stand-ins (an agent, a judge) and the statistics
// every expected number is computed with, independently of tracelake's own code.
import http from 'node:http';

// An HTTP server on a free port of 127.0.0.1.
export function listen(handler) {
  return new Promise((resolve) => {
    const srv = http.createServer(handler);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

export function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; });
    req.on('end', () => resolve(data));
  });
}

export function sendJson(res, obj) {
  const text = JSON.stringify(obj);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// The 95% Wilson score interval of k successes in n trials.
export function wilson(k, n, z = 1.959963984540054) {
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

// P(X <= k) for X ~ Binomial(n, 1/2): McNemar's exact test on n discordant pairs.
export function binomTail(k, n) {
  let sum = 0;
  let coef = 1;
  for (let i = 0; i <= k; i++) {
    sum += coef;
    coef = (coef * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}
