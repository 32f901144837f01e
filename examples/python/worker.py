#!/usr/bin/env python3
"""An Offload worker (pull mode): claims jobs over HTTP, works them in threads, reports each outcome.

Copy this file and replace work() with yours. Python 3.11+, standard library only.

    OFFLOAD_TOKEN=$(make -s token SUB=worker-1 SCOPE=jobs:work) python3 worker.py

Ctrl-C (or SIGTERM) stops claiming and lets the jobs in hand finish; a second one quits at once.
"""
import http.client, json, os, signal, socket, sys, threading, time
import urllib.error, urllib.parse, urllib.request


def env_int(name, default, low, high):
    value = os.environ.get(name, str(default))
    if not value.isdecimal() or not low <= int(value) <= high:
        print(f"{name} must be a whole number from {low} to {high}, not {value!r}", file=sys.stderr)
        sys.exit(2)
    return int(value)


URL = os.environ.get("OFFLOAD_URL", "http://127.0.0.1:8080").rstrip("/")
TOKEN = os.environ.get("OFFLOAD_TOKEN", "")
TYPES = [t.strip() for t in os.environ.get("OFFLOAD_TYPES", "wordcount").split(",") if t.strip()]
# The worker's name, in each attempt's history: up to 64 of letters, digits and . _ : @ -
WORKER = os.environ.get("OFFLOAD_WORKER") or f"python-{socket.gethostname().split('.')[0][:40]}-{os.getpid()}"
MAX = env_int("OFFLOAD_MAX", 10, 1, 100)                  # jobs asked for in one claim, at most
CONCURRENCY = env_int("OFFLOAD_CONCURRENCY", 4, 1, 1000)  # jobs worked at once


# ---------------------------------------------------------------- the work: replace it with yours

class Permanent(Exception):
    """Raise Permanent(code, message) when retrying cannot help (bad input): the job fails at once."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def work(job, progress):
    """Do one job and return its result, a JSON object (dict).

    job: {"id", "type", "attempt", "input", "owner", "timeoutSeconds", "leaseSeconds", "cancelled"}.
    progress(fraction) says how far along it is (0..1); the next heartbeat sends it.
    job["cancelled"]() turns True when the job is cancelled or given to another worker: stop early,
    what you return then is ignored. Any exception but Permanent fails this attempt only: the
    service tries the job again (up to its maxAttempts).
    """
    text = job["input"].get("text") if isinstance(job["input"], dict) else None
    if not isinstance(text, str):
        raise Permanent("invalid_input", 'the input needs a string "text"')
    return {"words": len(text.split())}


# ---------------------------------------------------------------- HTTP: one call and its answers

class Gone(Exception): pass      # 409: this attempt no longer holds the job: drop it, never retry
class Refused(Exception): pass   # another 4xx: the request is wrong, sending it again will not help
class Retry(Exception):          # 429/503 (wait `seconds`, from Retry-After), a 5xx, a network error
    def __init__(self, why, seconds=None):
        super().__init__(why)
        self.seconds = seconds


def log(line):
    print(time.strftime("%H:%M:%S"), line, file=sys.stderr, flush=True)


def call(path, body, timeout=10):
    """POST body as JSON and return the JSON answer, or raise Gone, Refused or Retry."""
    request = urllib.request.Request(URL + path, json.dumps(body).encode(), method="POST", headers={
        "Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:           # an error status; its body is problem+json
        try:
            why = f"{e.code}: {json.loads(e.read()).get('detail') or e.reason}"
        except (ValueError, AttributeError, OSError):  # not problem+json after all
            why = f"{e.code}: {e.reason}"
        if e.code in (401, 403):                  # a bad token or scope: no point going on
            log(f"fatal: {why}")
            os._exit(1)                           # exits from any thread
        if e.code == 409:
            raise Gone(why)
        if e.code in (429, 503):
            after = e.headers.get("Retry-After", "")
            raise Retry(why, int(after) if after.isdecimal() else 1)
        raise Retry(why) if e.code >= 500 else Refused(why)
    except (OSError, http.client.HTTPException) as e:  # refused, reset, timed out...
        raise Retry(f"network: {e}")


def call_retrying(path, body, timeout=10):
    """call(), again after Retry-After on 429/503, after 1 s, 2 s, 4 s ... 30 s on other trouble."""
    backoff = 1
    while True:
        try:
            return call(path, body, timeout)
        except Retry as e:
            wait = e.seconds or backoff
            backoff = backoff if e.seconds else min(backoff * 2, 30)
            log(f"{path}: {e}; again in {wait} s")
            time.sleep(wait)


# ---------------------------------------------------------------- one job: work, heartbeat, report

def run_job(job):
    """Work one claimed job in this thread, with a heartbeat beside it, then report how it ended."""
    started = time.monotonic()
    at = f"/api/v1/work/{urllib.parse.quote(str(job['id']), safe='')}/{job['attempt']}"
    cancelled = threading.Event()   # the owner cancelled the job, or it is no longer ours
    lost = threading.Event()        # a heartbeat got 409: another worker may have the job now
    finished = threading.Event()    # stops the heartbeat
    latest = {}                     # {"progress": the last fraction work() reported}

    def heartbeat():  # every leaseSeconds/3, or the lease lapses and the job goes to another worker
        every = wait = (job.get("leaseSeconds") or 30) / 3
        while not finished.wait(wait):
            try:
                answer = call(at + "/heartbeat", dict(latest), timeout=max(1, every))
                every = wait = (answer.get("leaseSeconds") or every * 3) / 3
                if answer.get("cancelRequested"):
                    cancelled.set()
            except Gone:
                lost.set()
                cancelled.set()
                return
            except (Retry, Refused) as e:          # the next beat is the retry, not before Retry-After
                log(f"{job['id']} heartbeat: {e}")
                wait = max(every, getattr(e, "seconds", None) or 0)

    def progress(fraction):
        latest["progress"] = min(max(float(fraction), 0.0), 1.0)

    def failure(code, message, retry):  # code: a-z, 0-9, _; message: 1 to 2000 characters
        return "fail", {"error": {"code": code, "message": (message or code)[:2000]}, "retry": retry}

    job["cancelled"] = cancelled.is_set
    threading.Thread(target=heartbeat, daemon=True).start()
    try:
        try:
            result = work(job, progress)
            if not isinstance(result, dict):       # not a JSON object: this attempt's error
                raise TypeError(f"work() returned {type(result).__name__}, not a dict")
            json.dumps(result)                     # not JSON-able: likewise
            verb, body, outcome = "succeed", {"result": result}, "succeeded"
        except Permanent as e:
            verb, body = failure(e.code, e.message, retry=False)
            outcome = f"failed for good ({e.code}: {e.message})"
        except Exception as e:
            verb, body = failure("worker_error", f"{type(e).__name__}: {e}", retry=True)
            outcome = f"failed, retryable ({type(e).__name__}: {e})"
        if cancelled.is_set():                     # whatever work() did, the job ends cancelled
            verb, body = failure("cancelled", "cancelled on request", retry=False)
            outcome = "cancelled"
        if lost.is_set():
            outcome = "dropped (heartbeat answered 409: the job is no longer ours)"
        else:
            try:
                call_retrying(f"{at}/{verb}", body)
            except (Gone, Refused) as e:
                outcome = f"dropped ({verb} answered {e})"
    finally:
        finished.set()
        slots.release()
    log(f"{job['id']} attempt {job['attempt']}: {outcome} in {(time.monotonic() - started) * 1000:.0f} ms")


# ---------------------------------------------------------------- the claim loop

stopping = threading.Event()
slots = threading.Semaphore(CONCURRENCY)  # one per job worked at once
claiming = False                          # True while the main thread waits for a claim's answer


class Stop(BaseException):
    """Raised by the signal handler, like KeyboardInterrupt, to abandon a claim still open."""


def take_slots(most):
    """Wait for a free slot, then take as many more as are free, up to `most`; 0 once stopping."""
    while not slots.acquire(timeout=0.5):
        if stopping.is_set():
            return 0
    taken = 1
    while taken < most and slots.acquire(blocking=False):
        taken += 1
    return taken


def claim(n):
    """Ask for up to n jobs: a long poll, the server holds the request until jobs come or 30 s pass.
    A signal meanwhile raises Stop here: the connection closes, and the server puts back the jobs
    it could not hand out."""
    global claiming
    claiming = True
    if stopping.is_set():
        raise Stop
    body = {"types": TYPES, "max": n, "waitSeconds": 30, "worker": WORKER}
    try:
        answer = call_retrying("/api/v1/work/claim", body, timeout=45)
    except (Gone, Refused) as e:                   # an unknown type, a bad worker name: fix the set-up
        log(f"fatal: claim answered {e}")
        sys.exit(1)
    claiming = False
    return answer.get("items", [])


def on_signal(signum, frame):
    if stopping.is_set():
        os._exit(1)                                # the second Ctrl-C: quit now
    stopping.set()                                 # (no print here: main may be printing)
    if claiming:
        raise Stop


def main():
    if not TOKEN:
        print("OFFLOAD_TOKEN is not set. A worker token (scope jobs:work) comes from:\n"
              "  export OFFLOAD_TOKEN=$(make -s token SUB=worker-1 SCOPE=jobs:work)", file=sys.stderr)
        sys.exit(2)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    log(f"{WORKER}: working {','.join(TYPES)} from {URL}, {CONCURRENCY} at once")
    threads = []
    while not stopping.is_set():
        n = take_slots(MAX)
        try:
            items = claim(n) if n else []
        except Stop:
            items = []
        for _ in range(n - len(items)):            # give back the slots nothing came for
            slots.release()
        for job in items:                          # run_job gives its slot back when done
            threads.append(threading.Thread(target=run_job, args=(job,)))
            threads[-1].start()
        threads = [t for t in threads if t.is_alive()]
    log(f"stopping: no more claims; {len(threads)} job(s) in hand to finish (again to quit at once)")
    for t in threads:
        t.join()
    log("stopped")


if __name__ == "__main__":
    main()
