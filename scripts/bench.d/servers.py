"""Real Prometheus, Alertmanager and node_exporter for the scale bench.

The binaries are Debian's packages unpacked by scripts/test-servers into
target/test-servers/root/usr/bin (as the tests use them). Every server runs on a
free 127.0.0.1 port with its config and data in a temporary folder; a `Stack`
kills what it started (by pid, SIGTERM then SIGKILL) when it is closed, and the
caller closes it in a `finally`, so no server outlives a run.
"""
import ctypes
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

AM_TEMPLATES = "/usr/share/prometheus/alertmanager/default.tmpl"


def _die_with_parent():
    """In the child, before exec: SIGTERM when the bench dies, even by SIGKILL."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10.0):
    """(status, body bytes); status 0 when the server cannot be reached."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (OSError, urllib.error.URLError):
        return 0, b""


def get_json(url, timeout=30.0):
    status, body = http_get(url, timeout)
    if status != 200:
        raise ServerError(f"GET {url}: HTTP {status}")
    return json.loads(body)


class Stack:
    """Servers started for one stage. Use as a context manager."""

    def __init__(self, bindir, workdir, log):
        self.bindir = bindir
        self.dir = workdir
        self.log = log
        self.procs = []          # (name, Popen)
        for b in ("prometheus", "prometheus-alertmanager", "prometheus-node-exporter"):
            if not os.access(os.path.join(bindir, b), os.X_OK):
                raise ServerError(f"{bindir}/{b} is missing: run scripts/test-servers "
                                  "(it fetches and unpacks Debian's packages)")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def path(self, *parts):
        p = os.path.join(self.dir, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def start(self, name, argv, ready_url, timeout=30.0):
        logf = open(self.path("logs", name + ".log"), "wb")
        argv = [os.path.join(self.bindir, argv[0])] + argv[1:]
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=_die_with_parent)
        logf.close()
        self.procs.append((name, p))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise ServerError(f"{name} exited ({p.returncode}) at start-up:\n"
                                  + self.tail(name))
            if http_get(ready_url, timeout=2)[0] == 200:
                self.log(f"{name} ready (pid {p.pid})")
                return p
            time.sleep(0.1)
        raise ServerError(f"{name} not ready at {ready_url} after {timeout:.0f} s:\n"
                          + self.tail(name))

    def tail(self, name, lines=15):
        try:
            with open(self.path("logs", name + ".log"), "rb") as f:
                return b"".join(f.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def pids(self):
        return [p.pid for _, p in self.procs if p.poll() is None]

    def close(self):
        for _, p in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 5
        for _, p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []

    # --- the servers -------------------------------------------------------

    def node_exporter(self, name, collectors, textfile_dir=None):
        port = free_port()
        argv = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                "--collector.disable-defaults"]
        argv += [f"--collector.{c}" for c in collectors]
        if textfile_dir:
            argv.append(f"--collector.textfile.directory={textfile_dir}")
        self.start(name, argv, f"http://127.0.0.1:{port}/metrics")
        return f"127.0.0.1:{port}"

    def node_exporter_default(self, name):
        """Debian's default collectors, less systemd (there is no systemd here)."""
        port = free_port()
        argv = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                "--no-collector.systemd"]
        self.start(name, argv, f"http://127.0.0.1:{port}/metrics")
        return f"127.0.0.1:{port}"

    def alertmanager(self, name):
        if not os.path.isfile(AM_TEMPLATES):
            raise ServerError(f"{AM_TEMPLATES} is missing: Debian's Alertmanager exits without "
                              "its templates; run scripts/test-servers as root")
        port = free_port()
        cfg = self.path(name, "alertmanager.yml")
        with open(cfg, "w") as f:
            f.write("route:\n  receiver: blackhole\n  group_by: ['alertname']\n"
                    "  group_wait: 0s\n  group_interval: 5s\n  repeat_interval: 1h\n"
                    "receivers:\n  - name: blackhole\n")
        argv = ["prometheus-alertmanager", f"--config.file={cfg}",
                f"--storage.path={self.path(name, 'data', 'x')[:-2]}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",
                "--cluster.listen-address="]
        self.start(name, argv, f"http://127.0.0.1:{port}/-/ready")
        return f"http://127.0.0.1:{port}"

    def prometheus(self, name, config_yaml):
        """config_yaml: the whole prometheus.yml; rule files are the caller's."""
        port = free_port()
        cfg = self.path(name, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(config_yaml)
        argv = ["prometheus", f"--config.file={cfg}",
                f"--storage.tsdb.path={self.path(name, 'data', 'x')[:-2]}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}/",
                # Debian's default 1m drops the first notifications (DESIGN.md).
                "--rules.alert.resend-delay=1s",
                # The default queue (10,000) drops alerts in a 30,000-alert storm.
                "--alertmanager.notification-queue-capacity=200000"]
        self.start(name, argv, f"http://127.0.0.1:{port}/-/ready", timeout=60)
        return f"http://127.0.0.1:{port}"


    def everything_on(self, default_toml):
        """node_exporter, Alertmanager and a Prometheus scraping the one and sending
        to the other, with an always-firing and a pending alert; returns opsdeck's
        config: `default_toml` (assets/default.toml) plus all three sources, a
        scrape and two panels."""
        rulesdir = self.path("rules", "x")[:-2]
        with open(os.path.join(rulesdir, "rules.yml"), "w") as f:
            f.write("groups:\n  - name: bench\n    rules:\n"
                    "      - alert: BenchAlwaysFiring\n        expr: vector(1)\n"
                    "        labels: {severity: critical}\n"
                    "        annotations: {summary: Always firing}\n"
                    "      - alert: BenchPending\n        expr: vector(1)\n        for: 1h\n"
                    "        labels: {severity: warning}\n")
        ne = self.node_exporter_default("node_exporter")
        am = self.alertmanager("alertmanager")
        prom = self.prometheus("prometheus", (
            "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n"
            f"rule_files:\n  - {rulesdir}/*.yml\n"
            "scrape_configs:\n  - job_name: node\n"
            f"    static_configs:\n      - targets: ['{ne}']\n"
            "alerting:\n  alertmanagers:\n"
            f"    - static_configs:\n        - targets: ['{am[len('http://'):]}']\n"))
        return default_toml + (
            f'\n[[prometheus]]\nname = "prom"\nurl = "{prom}"\n\n'
            f'[[alertmanager]]\nname = "am"\nurls = ["{am}"]\n\n'
            f'[[scrape]]\nname = "node"\nurl = "http://{ne}/metrics"\n\n'
            '[[panel]]\ntitle = "Targets up"\nquery = "sum(up)"\n\n'
            '[[panel]]\ntitle = "Node CPU"\n'
            "query = 'sum by (mode) (rate(node_cpu_seconds_total{mode!=\"idle\"}[1m]))'\n"
            'kind = "sparkline"\n')

def am_active_count(am_url):
    alerts = get_json(f"{am_url}/api/v2/alerts?active=true&silenced=false&inhibited=false")
    return sum(1 for a in alerts if a.get("status", {}).get("state") == "active")


def prom_firing_count(prom_url):
    data = get_json(f"{prom_url}/api/v1/alerts")
    return sum(1 for a in data["data"]["alerts"] if a.get("state") == "firing")


def prom_query_scalar(prom_url, promql):
    q = urllib.request.quote(promql)
    data = get_json(f"{prom_url}/api/v1/query?query={q}")
    res = data["data"]["result"]
    return float(res[0]["value"][1]) if res else 0.0
