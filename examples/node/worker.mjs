#!/usr/bin/env node
// An Offload worker (pull mode): claims jobs over HTTP, works them, reports each outcome.
//
// Copy this file and replace work() with yours. Node 20+, no dependencies (global fetch).
//
//     OFFLOAD_TOKEN=$(make -s token SUB=worker-1 SCOPE=jobs:work) node worker.mjs
//
// Ctrl-C (or SIGTERM) stops claiming and lets the jobs in hand finish; a second one quits at once.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

function envInt(name, fallback, low, high) {
  const value = process.env[name] ?? String(fallback);
  if (!/^\d+$/.test(value) || +value < low || +value > high) {
    console.error(`${name} must be a whole number from ${low} to ${high}, not '${value}'`);
    process.exit(2);
  }
  return +value;
}

const URL = (process.env.OFFLOAD_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const TOKEN = process.env.OFFLOAD_TOKEN ?? '';
const TYPES = (process.env.OFFLOAD_TYPES ?? 'wordcount').split(',').map((t) => t.trim()).filter(Boolean);
// The worker's name, in each attempt's history: up to 64 of letters, digits and . _ : @ -
const WORKER = process.env.OFFLOAD_WORKER || `node-${hostname().split('.')[0].slice(0, 40)}-${process.pid}`;
const MAX = envInt('OFFLOAD_MAX', 10, 1, 100); // jobs asked for in one claim, at most
const CONCURRENCY = envInt('OFFLOAD_CONCURRENCY', 4, 1, 1000); // jobs worked at once

// ---------------------------------------------------------------- the work: replace it with yours

/** Throw new Permanent(code, message) when retrying cannot help (bad input): the job fails at once. */
export class Permanent extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Does one job and returns (or resolves to) its result, a JSON object.
 *
 * job: {id, type, attempt, input, owner, timeoutSeconds, leaseSeconds, cancelled, signal}.
 * progress(fraction) says how far along it is (0..1); the next heartbeat sends it.
 * job.cancelled() turns true when the job is cancelled or given to another worker (job.signal, an
 * AbortSignal, aborts then: pass it to fetch or timers): stop early, what you return then is ignored.
 * Any error but Permanent fails this attempt only: the service tries the job again (up to maxAttempts).
 * Stay asynchronous: a long CPU-bound loop blocks the event loop and with it the heartbeats (run such
 * work in a worker_threads Worker or a child process).
 */
async function work(job, progress) {
  const text = job.input?.text;
  if (typeof text !== 'string') throw new Permanent('invalid_input', 'the input needs a string "text"');
  return { words: text.split(/\s+/).filter(Boolean).length };
}

// ---------------------------------------------------------------- HTTP: one call and its answers

class Gone extends Error {} // 409: this attempt no longer holds the job: drop it, never retry
class Refused extends Error {} // another 4xx: the request is wrong, sending it again will not help
class Retry extends Error { // 429/503 (wait `seconds`, from Retry-After), a 5xx, a network error
  constructor(why, seconds) {
    super(why);
    this.seconds = seconds;
  }
}

const log = (line) => console.error(new Date().toTimeString().slice(0, 8), line);

/** POSTs body as JSON and returns the JSON answer, or throws Gone, Refused or Retry. */
async function call(path, body, { timeoutSeconds = 10, signal } = {}) {
  let response, text;
  try {
    const timeout = AbortSignal.timeout(timeoutSeconds * 1000);
    response = await fetch(URL + path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    text = await response.text();
  } catch (e) { // refused, reset, timed out, aborted...
    if (signal?.aborted) throw e;
    throw new Retry(`network: ${e.cause?.message ?? e.message}`);
  }
  if (response.ok) return text ? JSON.parse(text) : {};
  let why; // the body of an error is problem+json
  try { why = `${response.status}: ${JSON.parse(text).detail ?? response.statusText}`; }
  catch { why = `${response.status}: ${response.statusText}`; }
  if (response.status === 401 || response.status === 403) { // a bad token or scope: no point going on
    log(`fatal: ${why}`);
    process.exit(1);
  }
  if (response.status === 409) throw new Gone(why);
  if (response.status === 429 || response.status === 503) {
    throw new Retry(why, Number(response.headers.get('Retry-After')) || 1);
  }
  throw response.status >= 500 ? new Retry(why) : new Refused(why);
}

/** call(), again after Retry-After on 429/503, after 1 s, 2 s, 4 s ... 30 s on other trouble. */
async function callRetrying(path, body, options = {}) {
  for (let backoff = 1; ;) {
    try {
      return await call(path, body, options);
    } catch (e) {
      if (!(e instanceof Retry)) throw e;
      const wait = e.seconds || backoff;
      if (!e.seconds) backoff = Math.min(backoff * 2, 30);
      log(`${path}: ${e.message}; again in ${wait} s`);
      await sleep(wait * 1000, undefined, { signal: options.signal });
    }
  }
}

// ---------------------------------------------------------------- one job: work, heartbeat, report

/** Works one claimed job, with a heartbeat beside it, then reports how it ended. Never rejects. */
async function runJob(job) {
  const started = Date.now();
  const at = `/api/v1/work/${encodeURIComponent(job.id)}/${job.attempt}`;
  const cancel = new AbortController(); // the owner cancelled the job, or it is no longer ours
  let lost = false; // a heartbeat got 409: another worker may have the job now
  let latest = {}; // {progress: the last fraction work() reported}
  let every = (job.leaseSeconds || 30) / 3; // heartbeat every leaseSeconds/3, or the lease lapses
  let timer, finished = false;

  const heartbeat = async () => {
    let wait = every;
    try {
      const answer = await call(`${at}/heartbeat`, latest, { timeoutSeconds: Math.max(1, every) });
      every = wait = (answer.leaseSeconds || every * 3) / 3;
      if (answer.cancelRequested) cancel.abort();
    } catch (e) {
      if (e instanceof Gone) {
        lost = true;
        cancel.abort();
        return;
      }
      log(`${job.id} heartbeat: ${e.message}`); // the next beat is the retry, not before Retry-After
      wait = Math.max(every, e.seconds || 0);
    }
    if (!finished) timer = setTimeout(heartbeat, wait * 1000);
  };
  const progress = (fraction) => { latest = { progress: Math.min(Math.max(Number(fraction), 0), 1) }; };
  // code: a-z, 0-9, _; message: 1 to 2000 characters
  const failure = (code, message, retry) => ['fail', { error: { code, message: (message || code).slice(0, 2000) }, retry }];

  job.cancelled = () => cancel.signal.aborted;
  job.signal = cancel.signal;
  timer = setTimeout(heartbeat, every * 1000);
  let verb, body, outcome;
  try {
    const result = await work(job, progress);
    if (typeof result !== 'object' || result === null || Array.isArray(result)) { // this attempt's error
      throw new TypeError('work() must return a JSON object');
    }
    JSON.stringify(result); // not JSON-able (a BigInt, a cycle): likewise
    [verb, body, outcome] = ['succeed', { result }, 'succeeded'];
  } catch (e) {
    if (e instanceof Permanent) {
      [verb, body] = failure(e.code, e.message, false);
      outcome = `failed for good (${e.code}: ${e.message})`;
    } else {
      [verb, body] = failure('worker_error', String(e), true);
      outcome = `failed, retryable (${e})`;
    }
  }
  if (cancel.signal.aborted) { // whatever work() did, the job ends cancelled
    [verb, body] = failure('cancelled', 'cancelled on request', false);
    outcome = 'cancelled';
  }
  try {
    if (lost) outcome = 'dropped (heartbeat answered 409: the job is no longer ours)';
    else await callRetrying(`${at}/${verb}`, body);
  } catch (e) {
    outcome = `dropped (${verb} answered ${e.message})`; // Gone or Refused
  } finally {
    finished = true;
    clearTimeout(timer);
  }
  log(`${job.id} attempt ${job.attempt}: ${outcome} in ${Date.now() - started} ms`);
}

// ---------------------------------------------------------------- the claim loop

const stopping = new AbortController();
const inHand = new Set(); // the jobs being worked, as promises
const stopped = new Promise((resolve) => stopping.signal.addEventListener('abort', resolve));

/**
 * Asks for up to n jobs: a long poll, the server holds the request until jobs come or 30 s pass.
 * Stopping aborts it: the connection closes, and the server puts back the jobs it could not hand out.
 */
async function claim(n) {
  const body = { types: TYPES, max: n, waitSeconds: 30, worker: WORKER };
  try {
    const answer = await callRetrying('/api/v1/work/claim', body, { timeoutSeconds: 45, signal: stopping.signal });
    return answer.items ?? [];
  } catch (e) {
    if (stopping.signal.aborted) return [];
    log(`fatal: claim answered ${e.message}`); // an unknown type? fix the set-up
    process.exit(1);
  }
}

if (!TOKEN) {
  console.error('OFFLOAD_TOKEN is not set. A worker token (scope jobs:work) comes from:\n'
    + '  export OFFLOAD_TOKEN=$(make -s token SUB=worker-1 SCOPE=jobs:work)');
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping.signal.aborted) process.exit(1); // the second Ctrl-C: quit now
    stopping.abort();
    log(`stopping: no more claims; ${inHand.size} job(s) in hand to finish (again to quit at once)`);
  });
}

log(`${WORKER}: working ${TYPES.join(',')} from ${URL}, ${CONCURRENCY} at once`);
while (!stopping.signal.aborted) {
  const free = CONCURRENCY - inHand.size;
  if (free === 0) { // wait for a job to finish (or for a signal)
    await Promise.race([...inHand, stopped]);
    continue;
  }
  for (const job of await claim(Math.min(MAX, free))) {
    const running = runJob(job).finally(() => inHand.delete(running));
    inHand.add(running);
  }
}
await Promise.all(inHand);
log('stopped');
process.exit(0);
