// An EventSource (the `eventsource` package, as a Node client would use it) that does not close
// on `done`: it follows a finished job until the server stops it, or 10 s have passed. Prints
// what it saw as one JSON line: how many connections it made, its readyState (2: CLOSED, which
// it only reaches when the server answered a reconnect with 204), and the events it got.
// Usage: node sse-stops.mjs <events URL> <bearer token>
import {EventSource} from 'eventsource';

const [url, token] = process.argv.slice(2);
let connections = 0;
const events = [];
const source = new EventSource(url, {
  fetch: (input, init) => {
    connections++;
    return fetch(input, {...init, headers: {...init.headers, Authorization: `Bearer ${token}`}});
  },
});
for (const name of ['state', 'progress', 'done']) {
  source.addEventListener(name, event => events.push({event: name, id: event.lastEventId}));
}
const report = () => {
  console.log(JSON.stringify({connections, readyState: source.readyState, events}));
  source.close();
  process.exit(0);
};
source.onerror = () => {
  if (source.readyState === EventSource.CLOSED) report();
};
setTimeout(report, 10_000);
