"""Plays whole calls against a running server the way Twilio would.

Each simulated caller follows the TwiML it gets back (Gather, Enqueue, Redirect, Dial,
Hangup), signs every request with the auth token over the URL it calls, and ends with a
status callback. Used by `manage.py simulate_calls`, the demo and the benchmarks; it
touches no database, only HTTP, so it can run against any server.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from twilio.request_validator import RequestValidator

# Not a real account: the server treats such calls as simulated and never calls Twilio.
SIMULATOR_ACCOUNT_SID = "AC" + "0" * 32
HOTLINE_NUMBER = "+318002000"
# Twilio waits 15 s in all for a webhook; so do we.
REQUEST_TIMEOUT_SECONDS = 15

CALLERS = [
    # (weight, kind, number); the numbers are made up.
    (40, "den-haag", "+3170{:07d}"),
    (10, "delft", "+3115{:07d}"),
    (25, "mobile", "+316{:08d}"),
    (15, "withheld", "anonymous"),
    (10, "rotterdam", "+3110{:07d}"),
]
POSTCODES = ["2514", "2522", "2563", "2611", "2712", "2311", "3011"]


@dataclass
class SimulationOptions:
    url: str
    public_url: str
    auth_token: str
    calls: int = 10
    rate: float = 1.0
    patience: float = 30.0  # seconds a caller waits before hanging up
    wait_interval: float = 2.0  # seconds between wait-URL requests (Twilio: one wait loop)
    talk: float = 5.0  # seconds a bridged call lasts
    seed: int | None = None
    cant_talk_share: float = 0.05
    acute_share: float = 0.1
    # Limits the requests in flight (a server on SQLite takes one writer at a time);
    # None lets every caller talk at once, as Twilio does.
    request_gate: threading.Semaphore | None = None


@dataclass
class SimulationReport:
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> str:
        lines = [f"calls: {sum(self.outcomes.values())}"]
        lines += [f"  {outcome}: {count}" for outcome, count in sorted(self.outcomes.items())]
        if self.latencies:
            ordered = sorted(self.latencies)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            lines.append(
                f"webhooks: {len(ordered)}, median {statistics.median(ordered) * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
            )
        lines.append(f"errors: {len(self.errors)}")
        lines += [f"  {error}" for error in self.errors[:10]]
        return "\n".join(lines)


class CallEnded(Exception):
    pass


class SimulatedCall:
    def __init__(self, options: SimulationOptions, report: SimulationReport, rng: random.Random):
        self.options = options
        self.report = report
        self.rng = rng
        self.sid = "CA" + uuid.uuid4().hex
        self.validator = RequestValidator(options.auth_token)
        weights = [weight for weight, _, _ in CALLERS]
        _, self.kind, pattern = rng.choices(CALLERS, weights=weights)[0]
        self.number = pattern.format(rng.randrange(10_000_000)) if "{" in pattern else pattern
        self.sequence = 0
        self.outcome = "ended"

    # --- HTTP, as Twilio does it --------------------------------------------------------

    def post(self, public_url: str, extra: dict[str, str] | None = None) -> str:
        """POST to the URL Twilio would call, signed over that URL; sent to --url."""
        params = {
            "CallSid": self.sid,
            "AccountSid": SIMULATOR_ACCOUNT_SID,
            "From": self.number,
            "Caller": self.number,
            "To": HOTLINE_NUMBER,
            "Called": HOTLINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            "ApiVersion": "2010-04-01",
            **(extra or {}),
        }
        parts = urlsplit(public_url)
        target = self.options.url + parts.path + (f"?{parts.query}" if parts.query else "")
        # --url is checked to be http(s) by the command.
        request = urllib.request.Request(  # noqa: S310
            target,
            data=urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": self.validator.compute_signature(public_url, params),
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1 (veiligthuis simulate_calls)",
            },
            method="POST",
        )
        gate = self.options.request_gate
        started = time.monotonic()
        try:
            if gate is not None:
                gate.acquire()
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
                body = response.read().decode()
        except (urllib.error.URLError, TimeoutError) as error:
            with self.report.lock:
                self.report.errors.append(f"{parts.path}: {error}")
            raise CallEnded from error
        finally:
            if gate is not None:
                gate.release()
            with self.report.lock:
                self.report.latencies.append(time.monotonic() - started)
        return body

    def public(self, path: str) -> str:
        return self.options.public_url + path

    def status(self, status: str) -> None:
        self.sequence += 1
        self.post(
            self.public("/hotline/twilio/status/"),
            {"CallStatus": status, "SequenceNumber": str(self.sequence), "CallDuration": "1"},
        )

    # --- the caller's choices -------------------------------------------------------------

    def digits_for(self, action: str) -> str:
        step = parse_qs(urlsplit(action).query).get("step", [""])[0]
        if step in {"role", "postcode"} and self.rng.random() < self.options.cant_talk_share:
            return "9"
        if step == "postcode":
            return self.rng.choice(POSTCODES)
        if step == "role":
            return self.rng.choice("1111222345")
        if step == "acute":
            return "1" if self.rng.random() < self.options.acute_share else "2"
        return ""

    # --- following the TwiML ----------------------------------------------------------------

    def run(self) -> str:
        try:
            document: str | None = self.post(self.public("/hotline/twilio/voice/"))
            while document is not None:
                document = self.follow(document)
        except CallEnded:
            pass
        try:
            self.status("completed")
            if self.rng.random() < 0.1:
                self.status_duplicate()
        except CallEnded:
            pass
        return self.outcome

    def status_duplicate(self) -> None:
        # Twilio delivers at least once: send the same callback again.
        self.post(
            self.public("/hotline/twilio/status/"),
            {"CallStatus": "completed", "SequenceNumber": str(self.sequence)},
        )

    def follow(self, document: str) -> str | None:
        # TwiML from the server under test, which we run ourselves.
        for verb in ET.fromstring(document):  # noqa: S314
            if verb.tag == "Gather":
                digits = self.digits_for(verb.get("action", ""))
                if digits == "9":
                    self.outcome = "cant-talk"
                return self.post(verb.get("action", ""), {"Digits": digits})
            if verb.tag == "Enqueue":
                return self.wait_in_queue(verb)
            if verb.tag == "Redirect":
                return self.post(verb.text or "")
            if verb.tag == "Dial":
                return self.dial(verb)
            if verb.tag == "Hangup":
                return None
        return None

    def dial(self, verb: ET.Element) -> str | None:
        client = verb.find("Client")
        if client is None:
            self.outcome = "transferred"
            return None
        self.outcome = "completed"
        time.sleep(self.options.talk)
        action = verb.get("action")
        if action:
            return self.post(action, {"DialCallStatus": "completed", "DialCallDuration": "5"})
        return None

    def wait_in_queue(self, enqueue: ET.Element) -> str | None:
        wait_url = enqueue.get("waitUrl", "")
        action = enqueue.get("action", "")
        started = time.monotonic()
        position = 1
        while True:
            waited = time.monotonic() - started
            wait_doc = self.post(
                wait_url,
                {
                    "QueuePosition": str(position),
                    "QueueTime": str(int(waited)),
                    "AvgQueueTime": "30",
                    "CurrentQueueSize": "1",
                    "QueueSid": "QU" + "0" * 32,
                },
            )
            if "<Leave" in wait_doc:
                return self.post(action, {"QueueResult": "leave", "QueueTime": str(int(waited))})
            if self.rng.random() < self.options.cant_talk_share / 4:
                self.outcome = "cant-talk"
                gather = ET.fromstring(wait_doc).find("Gather")  # noqa: S314
                if gather is not None:
                    left = self.post(gather.get("action", ""), {"Digits": "9"})
                    if "<Leave" in left:
                        return self.post(action, {"QueueResult": "leave"})
            if waited > self.options.patience:
                self.outcome = "abandoned"
                self.post(action, {"QueueResult": "hangup", "QueueTime": str(int(waited))})
                return None
            time.sleep(self.options.wait_interval)


def simulate(options: SimulationOptions) -> SimulationReport:
    report = SimulationReport()
    master = random.Random(options.seed)  # noqa: S311 - a simulation, not security
    interval = 1.0 / options.rate if options.rate > 0 else 0.0

    def one(seed: int) -> None:
        try:
            outcome = SimulatedCall(options, report, random.Random(seed)).run()  # noqa: S311
        except Exception as error:  # a surprise in the TwiML: count it, keep the others going
            outcome = "broken"
            with report.lock:
                report.errors.append(f"{type(error).__name__}: {error}")
        with report.lock:
            report.outcomes[outcome] += 1

    with ThreadPoolExecutor(max_workers=max(1, min(options.calls, 500))) as pool:
        for _ in range(options.calls):
            pool.submit(one, master.randrange(2**32))
            if interval:
                time.sleep(interval)
    return report
