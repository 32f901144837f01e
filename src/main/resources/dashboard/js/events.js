// Follows one job live. EventSource cannot send an Authorization header (and the token must
// never go in the URL), so the stream is read with fetch() and a streaming reader of
// text/event-stream. When a stream cannot be had (the per-owner or node limit: 429/503, a proxy
// that buffers), the job is polled instead, backing off from 1 s to 10 s.
import {authHeaders, call, refused, SignedOut} from './api.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Whether a job (or an answer about one) is in a final state. */
export const finished = job => FINISHED.has(job?.state);

/**
 * Calls onJob(job) with each new state of the job, onProgress(p) with each progress report, and
 * onMode('stream' | 'polling' | 'done') when the way of following changes; stops when the job
 * has finished or the signal is aborted.
 */
export async function follow(id, {onJob, onProgress, onMode}, signal) {
  let lastId = null;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const result = await stream(id, lastId, {onJob, onProgress, onMode, onId: v => { lastId = v; }}, signal);
      if (result === 'done') {
        onMode('done');
        return;
      }
      if (result === 'unavailable') {
        await poll(id, {onJob, onMode}, signal);
        return;
      }
      failures = 0; // the server ended a long stream: reconnect at once, from the last id
    } catch (e) {
      if (e instanceof SignedOut || signal.aborted) return;
      failures++;
      if (failures >= 3) {
        await poll(id, {onJob, onMode}, signal);
        return;
      }
      await pause(1000 * failures, signal);
    }
  }
}

async function stream(id, lastId, handlers, signal) {
  const headers = authHeaders({Accept: 'text/event-stream'});
  if (lastId !== null) headers['Last-Event-ID'] = lastId;
  const response = await fetch('/api/v1/jobs/' + encodeURIComponent(id) + '/events',
    {headers, signal, cache: 'no-store', credentials: 'omit', redirect: 'error'});
  if (response.status === 401) throw await refused(response);
  if (response.status === 429 || response.status === 503) return 'unavailable';
  if (!response.ok || !response.body) throw new Error('event stream answered ' + response.status);
  handlers.onMode('stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = {name: 'message', data: []};
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return 'ended';
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (event.data.length && dispatch(event, handlers) === 'done') {
          reader.cancel().catch(() => {});
          return 'done';
        }
        event = {name: 'message', data: []};
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.name = text;
        else if (field === 'data') event.data.push(text);
        else if (field === 'id') handlers.onId(text);
      }
    }
  }
}

function dispatch(event, {onJob, onProgress}) {
  const data = JSON.parse(event.data.join('\n'));
  if (event.name === 'state') onJob(data);
  else if (event.name === 'progress') onProgress(data.progress);
  else if (event.name === 'done') return 'done';
  return null;
}

async function poll(id, {onJob, onMode}, signal) {
  onMode('polling');
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const job = await call('/jobs/' + encodeURIComponent(id), {signal});
      onJob(job);
      if (finished(job)) {
        onMode('done');
        return;
      }
    } catch (e) {
      if (e instanceof SignedOut || signal.aborted) return;
    }
    await pause(delay, signal);
    delay = Math.min(delay * 2, 10000);
  }
}

function pause(ms, signal) {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, {once: true});
  });
}
