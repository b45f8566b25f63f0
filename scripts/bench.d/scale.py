#!/usr/bin/env python3
"""The scale section of scripts/bench (issue 15): opsdeck's release binary
against real Prometheus, Alertmanager and node_exporter (Debian's packages).

  scale.py --bin target/release/opsdeck --servers target/test-servers/root/usr/bin \
           --out target/bench/scale-STAMP.jsonl --rundir target/bench/scale-STAMP --rev REV
  scale.py --summarize target/bench/scale-STAMP.jsonl

Stages (BENCH_SCALE_STAGES, default "storm fleet all"):
  storm  N active alerts (BENCH_SCALE_N, default "1000 3000 10000 30000") held by
         both Prometheus and Alertmanager; opsdeck zoomed on Alerts.
  fleet  1,000 fleet instances (BENCH_SCALE_FLEET) in a real Prometheus; opsdeck
         zoomed on Resources.
  all    everything on (local host, Prometheus, Alertmanager, a scrape, two
         panels, default rules and tasks) against htop, interleaved, with
         ../shared/bench/tui-measure.
Writes one JSON line per measured run to --out, prints markdown tables with
PASS/FAIL per goal. Never hangs: every wait has a timeout, every server and
every opsdeck it starts is killed at the end.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True                # no __pycache__ in scripts/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers as srv  # noqa: E402
import tuiprobe as tp  # noqa: E402

COLS, ROWS = 160, 48
FROZEN_S = 10.0                        # a key not answered in 10 s is "frozen"
SELECTION_BG = "48;2;54;74;130"        # dark theme's selection_bg, with --color truecolor
GROUPS = 50
SEVERITIES = ("critical", "warning", "info")


def env_list(name, default):
    return [int(x) for x in os.environ.get(name, default).split()]


def log(msg):
    print(f"bench scale: {msg}", file=sys.stderr, flush=True)


def build_running():
    return subprocess.run(["pgrep", "-x", "rustc|cargo"], capture_output=True).returncode == 0


def wait_for_quiet_machine(budget):
    """Waits while something compiles, at most budget[0] seconds over the whole
    run (the budget is shared by every stage); True if the machine is quiet."""
    if not build_running():
        return True
    log(f"a build is running (rustc/cargo); waiting up to {budget[0]:.0f} s for it to end")
    start = time.monotonic()
    quiet = False
    while time.monotonic() - start < budget[0]:
        time.sleep(5)
        if not build_running():
            log("machine quiet again")
            quiet = True
            break
    budget[0] = max(0.0, budget[0] - (time.monotonic() - start))
    if not quiet:
        log("WARNING: still compiling; measuring anyway (figures flagged 'build running')")
    return quiet


class Runner:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.out = open(args.out, "a")
        self.rundir = args.rundir
        self.scratch = tempfile.mkdtemp(prefix="opsdeck-scale.", dir="/tmp")
        self.quiet_wait = [float(os.environ.get("BENCH_SCALE_QUIET_WAIT", "300"))]

    def close(self):
        self.out.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def emit(self, rec):
        rec["rev"] = self.args.rev
        rec["build_running"] = build_running()
        self.out.write(json.dumps(rec) + "\n")
        self.out.flush()

    def home(self, name):
        """A fresh HOME / XDG_CONFIG_HOME / XDG_STATE_HOME for one run."""
        h = tempfile.mkdtemp(prefix=name + ".", dir=self.scratch)
        os.makedirs(f"{h}/config")
        os.makedirs(f"{h}/state")
        return {"HOME": h, "XDG_CONFIG_HOME": f"{h}/config", "XDG_STATE_HOME": f"{h}/state"}

    def write_config(self, name, text):
        path = os.path.join(self.scratch, name + ".toml")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([self.bin, "check-config", path], capture_output=True, text=True,
                           env={**os.environ, **self.home("check")})
        if r.returncode != 0:
            raise RuntimeError(f"opsdeck check-config {path} failed:\n{r.stdout}{r.stderr}")
        return path

    def pane(self, name, config, extra=()):
        argv = [self.bin, "-c", config, "--color", "truecolor", *extra]
        return tp.Pane(name, COLS, ROWS, argv, self.home(name), self.rundir)

    # --- shared measuring steps -------------------------------------------

    def idle_window(self, pane, seconds, server_pids):
        """CPU of opsdeck's tree over `seconds`, RSS sampled twice a second, and
        what the servers and everything else used meanwhile (% of one core)."""
        t1, s1, v1 = pane.ticks(), tp.sys_cpu(), tp.ticks_of(server_pids)
        w1 = time.monotonic()
        while time.monotonic() - w1 < seconds and pane.alive():
            pane.sample_rss()
            time.sleep(0.5)
        t2, s2, v2 = pane.ticks(), tp.sys_cpu(), tp.ticks_of(server_pids)
        dt = time.monotonic() - w1
        ncpu = os.cpu_count() or 1
        busy = (s2["busy"] - s1["busy"]) / max(1, s2["total"] - s1["total"]) * ncpu
        cpu = 100 * (t2 - t1) / tp.CLK_TCK / dt
        servers = 100 * (v2 - v1) / tp.CLK_TCK / dt
        return {"idle_cpu_pct": round(cpu, 3), "idle_window_s": round(dt, 2),
                "servers_cpu_pct": round(servers, 2),
                "noise_other_busy_pct": round(100 * busy - cpu - servers, 2)}

    def keys_j(self, pane, count, token_re, list_len=None):
        """`count` presses of j at irregular 300-500 ms gaps; latencies in ms
        (None = not answered within FROZEN_S). Stops after two frozen keys.
        The highlight goes back to the top (g, not timed) before it reaches the
        bottom of the screen or, if list_len(screen) tells, the end of the list,
        where j could not move it."""
        def selected(screen):
            for i, line in enumerate(screen.split("\n")):
                if SELECTION_BG in line and i > 0:
                    text = tp.strip(line)
                    m = re.search(token_re, text)
                    return i, (m.group(m.re.groups) if m else text)
            return None

        def moved(before, after):
            b, a = selected(before), selected(after)
            return a is not None and b is not None and a != b

        def top():
            pane.key(["g"], lambda b, a: True, timeout=FROZEN_S)
            pane.wait_quiet(0.3, FROZEN_S)
            return 0

        lat = []
        frozen = 0
        pos = top()                      # j then moves the highlight down a visible table
        for _ in range(count):
            time.sleep(random.uniform(0.3, 0.5))
            screen = pane.screen(escapes=True)
            sel = selected(screen)
            if sel is None:
                log("no highlighted row on screen; cannot time j")
                return lat, "no highlighted row"
            length = list_len(tp.strip(screen)) if list_len else None
            if sel[0] >= ROWS - 5 or (length is not None and pos >= length - 1):
                pos = top()
            t = pane.key(["j"], moved, timeout=FROZEN_S)
            lat.append(None if t is None else round(1000 * t, 2))
            pos += 1
            if t is None:
                frozen += 1
                log(f"j not answered within {FROZEN_S:.0f} s (frozen)")
                pane.wait_quiet(1.0, 20.0)
                if frozen >= 2:
                    return lat, "stopped after 2 frozen keys"
        return lat, None

    def filter_typing(self, pane, pane_title, text):
        """`/` then `text` one char at a time; latency of each char (ms), then Esc."""
        prompt = f"filter {pane_title}: "
        t = pane.key(["/"], lambda b, a: prompt in tp.strip(a), timeout=FROZEN_S)
        if t is None:
            return [None], "the / prompt never showed (frozen)"
        lat, typed, frozen = [], "", 0
        for ch in text:
            time.sleep(random.uniform(0.15, 0.3))
            typed += ch
            want = prompt + typed
            t = pane.key([ch], lambda b, a, w=want: w in tp.strip(a), timeout=FROZEN_S,
                         literal=True)
            lat.append(None if t is None else round(1000 * t, 2))
            if t is None:
                frozen += 1
                pane.wait_quiet(1.0, 20.0)
                if frozen >= 2:
                    break
        pane.key(["Escape"], lambda b, a: prompt not in tp.strip(a), timeout=FROZEN_S)
        return lat, None

    def exit_timing(self, pane, how):
        pane.wait_quiet(0.5, 10.0)
        t = pane.time_exit(how, FROZEN_S)
        return None if t is None else round(1000 * t, 1)

    def save_screen(self, pane, name):
        try:
            with open(os.path.join(self.rundir, name + ".txt"), "w") as f:
                f.write(pane.screen(escapes=True))
        except Exception:
            pass

    # --- storm: N alerts in Prometheus and Alertmanager ---------------------

    def storm(self):
        ns = sorted(env_list("BENCH_SCALE_N", "1000 3000 10000 30000"))
        keys = int(os.environ.get("BENCH_SCALE_KEYS", "30"))
        work = os.path.join(self.scratch, "storm")
        textdir = os.path.join(work, "textfile")
        rulesdir = os.path.join(work, "rules")
        os.makedirs(textdir)
        os.makedirs(rulesdir)
        for g in range(GROUPS):
            with open(os.path.join(rulesdir, f"storm{g:02d}.yml"), "w") as f:
                f.write(f"groups:\n  - name: storm{g:02d}\n    rules:\n"
                        f"      - alert: Storm{g:02d}\n"
                        f"        expr: storm{{group=\"g{g:02d}\"}} > 0\n"
                        f"        for: 0s\n"
                        f"        annotations:\n"
                        f"          summary: 'storm on {{{{ $labels.instance }}}}'\n")
        self.write_storm(textdir, 0)
        with srv.Stack(self.args.servers, work, log) as stack:
            ne = stack.node_exporter("node_exporter-storm", ["textfile"], textdir)
            am = stack.alertmanager("alertmanager")
            prom = stack.prometheus("prometheus", (
                "global:\n  scrape_interval: 10s\n  scrape_timeout: 10s\n"
                "  evaluation_interval: 20s\n"
                f"rule_files:\n  - {rulesdir}/*.yml\n"
                "scrape_configs:\n  - job_name: storm\n    honor_labels: true\n"
                f"    static_configs:\n      - targets: ['{ne}']\n"
                "alerting:\n  alertmanagers:\n"
                f"    - static_configs:\n        - targets: ['{am[len('http://'):]}']\n"))
            config = self.write_config("storm", (
                f'[[prometheus]]\nname = "prom"\nurl = "{prom}"\ninterval = "5s"\n\n'
                f'[[alertmanager]]\nname = "am"\nurls = ["{am}"]\ninterval = "5s"\n'))
            for n in ns:
                wait_for_quiet_machine(self.quiet_wait)
                self.write_storm(textdir, n)
                loaded = self.wait_loaded(prom, am, n)
                self.storm_runs(n, loaded, config, keys, stack.pids())

    @staticmethod
    def write_storm(textdir, n):
        """N series storm{group, instance, severity}: node_exporter's textfile
        collector serves them, Prometheus's 50 rules turn each into an alert."""
        tmp = os.path.join(textdir, "storm.prom.tmp")
        with open(tmp, "w") as f:
            f.write("# HELP storm A synthetic alert storm (opsdeck scale bench).\n"
                    "# TYPE storm gauge\n")
            for i in range(n):
                f.write(f'storm{{group="g{i % GROUPS:02d}",instance="i-{i:05d}",'
                        f'severity="{SEVERITIES[i % 3]}"}} 1\n')
        os.replace(tmp, os.path.join(textdir, "storm.prom"))

    def wait_loaded(self, prom, am, n):
        timeout = 60 + n / 250
        log(f"{n} alerts: waiting (up to {timeout:.0f} s) for Prometheus and Alertmanager")
        deadline = time.monotonic() + timeout
        p = a = -1
        while time.monotonic() < deadline:
            try:
                p, a = srv.prom_firing_count(prom), srv.am_active_count(am)
            except (srv.ServerError, ValueError) as e:
                log(f"  ({e})")
            if p == n and a == n:
                log(f"  loaded: Prometheus {p} firing, Alertmanager {a} active")
                return {"prom_firing": p, "am_active": a, "loaded": True}
            time.sleep(2)
        log(f"WARNING: not loaded after {timeout:.0f} s: Prometheus {p} firing, "
            f"Alertmanager {a} active (wanted {n}); measuring anyway")
        return {"prom_firing": p, "am_active": a, "loaded": False}

    @staticmethod
    def firing_on_screen(text):
        m = re.search(r"(\d+) firing", text)
        return int(m.group(1)) if m else None

    def wait_alerts_on_screen(self, pane, n, timeout):
        """Until the Alerts title shows >= n firing, the rows' Source reads
        `am+prom` (both sources merged, not Prometheus's alone) and the count
        held for 6 s. Returns (count seen last, settled, merged)."""
        deadline = time.monotonic() + timeout
        last, since, merged = None, time.monotonic(), False
        while time.monotonic() < deadline and pane.alive():
            text = pane.screen()
            c = self.firing_on_screen(text)
            merged = "am+prom" in text
            if c != last or not merged:
                last, since = c, time.monotonic()
            elif c is not None and c >= n and time.monotonic() - since >= 6:
                return c, True, True
            pane.sample_rss()
            time.sleep(0.25)
        return last, False, merged

    def storm_runs(self, n, loaded, config, keys, server_pids):
        idle_s = float(os.environ.get("BENCH_SCALE_IDLE_SECONDS", "10" if n <= 3000 else "20"))
        load_timeout = 30 + n / 500
        # Run A: defaults (1 s local refresh): idle CPU, RSS, then q.
        name = f"storm-{n}-idle"
        log(f"{name}: opsdeck zoomed on Alerts, idle {idle_s:.0f} s, then q")
        pane = self.pane(name, config)
        rec = {"stage": "storm", "run": "idle", "n": n, **loaded}
        try:
            rec["first_frame_ms"] = pane.wait_first_frame()
            pane.send("3")
            t = time.monotonic()
            rec["firing_on_screen"], rec["screen_loaded"], rec["both_merged"] = \
                self.wait_alerts_on_screen(pane, n, load_timeout)
            rec["screen_load_s"] = round(time.monotonic() - t, 1)
            rec.update(self.idle_window(pane, idle_s, server_pids))
            rec["rss_peak_kb"] = pane.hwm_kb()
            self.save_screen(pane, name)
            rec["q_exit_ms"] = self.exit_timing(pane, "q")
        finally:
            rec["killed"] = pane.alive()
            pane.close()
        self.emit(rec)
        log(f"  {json.dumps(rec)}")

        # Run B: --refresh 60s (fewer background frames): j, filter, SIGTERM.
        name = f"storm-{n}-keys"
        log(f"{name}: {keys} x j, filter 'Storm1', then SIGTERM")
        pane = self.pane(name, config, ["--refresh", "60s"])
        rec = {"stage": "storm", "run": "keys", "n": n, **loaded}
        try:
            pane.wait_first_frame()
            pane.send("3")
            rec["firing_on_screen"], rec["screen_loaded"], rec["both_merged"] = \
                self.wait_alerts_on_screen(pane, n, load_timeout)
            rec["j_ms"], rec["j_note"] = self.keys_j(pane, keys, r"i-\d{5}")
            rec["filter_ms"], rec["filter_note"] = self.filter_typing(pane, "Alerts", "Storm1")
            rec["rss_peak_kb"] = pane.hwm_kb()
            self.save_screen(pane, name)
            rec["sigterm_exit_ms"] = self.exit_timing(pane, "SIGTERM")
        finally:
            rec["killed"] = pane.alive()
            pane.close()
        self.emit(rec)
        log(f"  {json.dumps(rec)}")

    # --- fleet: 1,000 instances in Prometheus ---------------------------------

    def fleet(self):
        count = int(os.environ.get("BENCH_SCALE_FLEET", "1000"))
        keys = int(os.environ.get("BENCH_SCALE_KEYS", "30"))
        work = os.path.join(self.scratch, "fleet")
        wait_for_quiet_machine(self.quiet_wait)
        with srv.Stack(self.args.servers, work, log) as stack:
            ne = stack.node_exporter("node_exporter-fleet", ["cpu", "meminfo", "filesystem"])
            targets = "".join(f"      - targets: ['{ne}']\n        labels: {{instance: 'host-{i:04d}'}}\n"
                              for i in range(count))
            prom = stack.prometheus("prometheus-fleet", (
                "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n"
                "scrape_configs:\n  - job_name: node\n    static_configs:\n" + targets))
            q = ('count(count by (instance) '
                 '(rate(node_cpu_seconds_total{job="node",mode="idle"}[2m])))')
            log(f"fleet: waiting (up to 120 s) for {count} instances with a CPU rate (2 scrapes)")
            deadline, have = time.monotonic() + 120, 0
            while time.monotonic() < deadline:
                try:
                    have = int(srv.prom_query_scalar(prom, q))
                except (srv.ServerError, ValueError, KeyError):
                    pass
                if have >= count:
                    break
                time.sleep(3)
            log(f"  {have} instances with a CPU rate")
            config = self.write_config("fleet", (
                f'[[prometheus]]\nname = "prom"\nurl = "{prom}"\ninterval = "5s"\n'
                '[prometheus.fleet]\nenabled = true\n'))
            base = {"stage": "fleet", "n": count, "prom_instances": have}
            idle_s = float(os.environ.get("BENCH_SCALE_IDLE_SECONDS", "20"))

            def fleet_seen(text):
                shown = len(re.findall(r"host-\d{4}", text))
                m = re.search(r"\+(\d+) more", text)
                return shown + (int(m.group(1)) if m else 0)

            def wait_fleet(pane):
                got = pane.wait_screen(lambda t: fleet_seen(t) >= count and fleet_seen(t), 60)
                return got or fleet_seen(pane.screen())

            name = "fleet-idle"
            log(f"{name}: opsdeck zoomed on Resources, idle {idle_s:.0f} s, then q")
            pane = self.pane(name, config)
            rec = {**base, "run": "idle"}
            try:
                rec["first_frame_ms"] = pane.wait_first_frame()
                pane.send("1")
                t = time.monotonic()
                rec["fleet_rows_on_screen"] = wait_fleet(pane)
                rec["screen_load_s"] = round(time.monotonic() - t, 1)
                time.sleep(5)                              # one more poll
                rec.update(self.idle_window(pane, idle_s, stack.pids()))
                rec["rss_peak_kb"] = pane.hwm_kb()
                self.save_screen(pane, name)
                rec["q_exit_ms"] = self.exit_timing(pane, "q")
            finally:
                rec["killed"] = pane.alive()
                pane.close()
            self.emit(rec)
            log(f"  {json.dumps(rec)}")

            name = "fleet-keys"
            log(f"{name}: {keys} x j in the process list, then SIGTERM")
            pane = self.pane(name, config, ["--refresh", "60s"])
            rec = {**base, "run": "keys"}
            try:
                pane.wait_first_frame()
                pane.send("1")
                rec["fleet_rows_on_screen"] = wait_fleet(pane)
                # The process table's rows are known by their PID (PID USER CPU% ...).
                def processes(text):
                    m = re.search(r"Processes (\d+)/\d+", text)
                    return int(m.group(1)) if m else None
                rec["j_ms"], rec["j_note"] = self.keys_j(
                    pane, keys, r"(\d+)\s+\S+\s+\d+\.\d\b", processes)
                rec["rss_peak_kb"] = pane.hwm_kb()
                self.save_screen(pane, name)
                rec["sigterm_exit_ms"] = self.exit_timing(pane, "SIGTERM")
            finally:
                rec["killed"] = pane.alive()
                pane.close()
            self.emit(rec)
            log(f"  {json.dumps(rec)}")

    # --- everything on, against htop ---------------------------------------------

    def everything(self):
        rounds = int(os.environ.get("BENCH_SCALE_ALL_ROUNDS", "2"))
        seconds = int(os.environ.get("BENCH_SCALE_ALL_SECONDS", "20"))
        measure = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "../../../shared/bench/tui-measure")
        work = os.path.join(self.scratch, "all")
        wait_for_quiet_machine(self.quiet_wait)
        with srv.Stack(self.args.servers, work, log) as stack:
            default = open(os.path.join(self.args.repo, "assets/default.toml")).read()
            config = self.write_config("all", stack.everything_on(default))
            for r in range(1, rounds + 1):
                for tool, cmd in (("htop", ["htop", "-d", "10"]),
                                  ("opsdeck", [self.bin, "-c", config])):
                    name = f"all-{tool}-r{r}"
                    log(f"{name} ({seconds} s)")
                    env = {**os.environ, **self.home(name)}
                    # A 2 ms poll for the first frame: at the tool's default 10 ms (plus
                    # a capture-pane per poll) a 20 ms goal cannot be told from 25.
                    res = subprocess.run(
                        [measure, "--cols", str(COLS), "--rows", str(ROWS), "--seconds",
                         str(seconds), "--name", name, "--outdir", self.rundir, "--quiet",
                         "--poll-ms", "2", "--", *cmd], capture_output=True, text=True, env=env,
                        timeout=seconds + 60)
                    line = res.stdout.strip().splitlines()
                    if not line:
                        log(f"WARNING: {name}: no result ({res.stderr.strip()[-300:]})")
                        continue
                    rec = json.loads(line[-1])
                    rec.update({"stage": "all", "tool": tool, "round": r,
                                "servers_note": "Prometheus, Alertmanager, node_exporter up"})
                    self.emit(rec)


# --- summary ---------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def p90(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def f(x, nd=1, unit=""):
    return "–" if x is None else f"{x:,.{nd}f}{unit}"


def verdict(value, limit, frozen=False):
    if value is None:
        return "**FAIL** (frozen: > 10 s, killed)" if frozen else "FAIL (no data)"
    return "PASS" if value <= limit else "**FAIL**"


def exit_shown(ms):
    return "> 10,000 ms (frozen)" if ms is None else f"{ms:,.0f} ms"


def summarize(path):
    recs = [json.loads(l) for l in open(path) if l.strip()]
    rev = next((r["rev"] for r in recs if r.get("rev")), "unknown")
    goals = []
    print(f"opsdeck {rev}, {os.cpu_count()} CPUs, {COLS}x{ROWS}, results {path}")
    print()

    def keyfig(lat):
        """(median, p90, answered/sent, frozen) of key latencies; a frozen key
        counts as FROZEN_S in the median and p90 (it took at least that)."""
        if not lat:
            return None, None, "0/0", 0
        frozen = sum(1 for x in lat if x is None)
        full = [FROZEN_S * 1000 if x is None else x for x in lat]
        return med(full), p90(full), f"{len(lat) - frozen}/{len(lat)}", frozen

    storm = {}
    for r in recs:
        if r.get("stage") == "storm":
            storm.setdefault(r["n"], {}).update({r["run"]: r})
    if storm:
        print("### Alert storm (Prometheus and Alertmanager each hold N alerts; Alerts pane zoomed)")
        print()
        print("| alerts | Prom firing / AM active | firing shown | idle CPU % | CPU % per 1k | "
              "RSS peak MiB | j median ms | j p90 ms | j answered | filter median ms | "
              "filter answered | q exit ms | SIGTERM exit ms | servers CPU % | other busy % |")
        print("|" + "---|" * 15)
        rows = []
        for n in sorted(storm):
            a, k = storm[n].get("idle", {}), storm[n].get("keys", {})
            jm, jp, jn, jf = keyfig(k.get("j_ms"))
            fm, _, fn, ff = keyfig(k.get("filter_ms"))
            cpu = a.get("idle_cpu_pct")
            rss = max([x for x in (a.get("rss_peak_kb"), k.get("rss_peak_kb")) if x] or [0]) / 1024 or None
            q, term = a.get("q_exit_ms"), k.get("sigterm_exit_ms")
            shown = a.get("firing_on_screen")
            rows.append((n, cpu, rss, jf + ff > 0))
            print(f"| {n:,} | {a.get('prom_firing', '?')} / {a.get('am_active', '?')} | "
                  f"{shown if shown is not None else '–'}{'' if a.get('screen_loaded') else ' (not settled)'}"
                  f"{' (AM not merged)' if a.get('both_merged') is False else ''} | "
                  f"{f(cpu, 2)} | {f(cpu / (n / 1000) if cpu is not None else None, 3)} | {f(rss)} | "
                  f"{f(jm)} | {f(jp)} | {jn} | {f(fm)} | {fn} | "
                  f"{f(q, 0) if q is not None else 'FROZEN (>10 s)'} | "
                  f"{f(term, 0) if term is not None else 'FROZEN (>10 s)'} | "
                  f"{f(a.get('servers_cpu_pct'))} | {f(a.get('noise_other_busy_pct'))} |")
            goals.append((f"quit with q <= 1 s at {n:,} alerts", q, 1000, exit_shown(q), "1000 ms", True))
            goals.append((f"SIGTERM exit <= 1 s at {n:,} alerts", term, 1000, exit_shown(term), "1000 ms", True))
            if n == 10000:
                goals[:0] = [
                    ("idle CPU <= 2 % at 10k alerts", cpu, 2.0, f"{f(cpu, 2)} %", "2 %"),
                    ("j key -> screen median <= 20 ms at 10k", jm, 20, f"{f(jm)} ms", "20 ms"),
                    ("filter per key median <= 20 ms at 10k", fm, 20, f"{f(fm)} ms", "20 ms"),
                    ("RSS peak <= 32 MiB at 10k", rss, 32, f"{f(rss)} MiB", "32 MiB"),
                ]
        print()
        # Linear growth. CPU: the cost per 1k alerts at each N may be at most 1.5x
        # that at the smallest N, and a point where opsdeck is saturated (a key
        # frozen, or >= 90 % of a core) fails outright: a saturated process cannot
        # show how its cost grows. RSS: the marginal MiB per 1k alerts of the last
        # step may be at most 1.5x that of the first.
        pts = [(n, c, m, s) for n, c, m, s in rows if c is not None and m is not None]
        if len(pts) >= 2:
            base = pts[0][1] / (pts[0][0] / 1000)
            curve = ", ".join(f"{n:,}: {c / (n / 1000):.2f}" for n, c, _, _ in pts)
            print(f"Idle CPU % of a core per 1k alerts: {curve}")
            saturated = [n for n, c, _, s in pts if s or c >= 90]
            worst = max(c / (n / 1000) for n, c, _, _ in pts[1:]) / base if base else None
            if saturated:
                goals.append(("idle CPU grows at most linearly (per 1k <= 1.5x that at the smallest N)",
                              float("inf"), 1.5, f"saturated at {saturated[0]:,} alerts", "1.5x"))
            else:
                goals.append(("idle CPU grows at most linearly (per 1k <= 1.5x that at the smallest N)",
                              worst, 1.5, f"{worst:.1f}x", "1.5x"))
            if len(pts) >= 3:
                def marg(i, j):
                    return max(0.1, (pts[j][2] - pts[i][2]) / ((pts[j][0] - pts[i][0]) / 1000))
                first, last = marg(0, 1), marg(-2, -1)
                print(f"RSS MiB per 1k more alerts: {pts[0][0]:,}→{pts[1][0]:,}: {first:.2f}, "
                      f"{pts[-2][0]:,}→{pts[-1][0]:,}: {last:.2f}")
                goals.append(("RSS grows at most linearly (last step's MiB per 1k <= 1.5x first's)",
                              last / first, 1.5, f"{last / first:.1f}x", "1.5x"))
            print()

    fleet = {r["run"]: r for r in recs if r.get("stage") == "fleet"}
    if fleet:
        a, k = fleet.get("idle", {}), fleet.get("keys", {})
        n = a.get("n") or k.get("n")
        jm, jp, jn, _ = keyfig(k.get("j_ms"))
        cpu = a.get("idle_cpu_pct")
        rss = max([x for x in (a.get("rss_peak_kb"), k.get("rss_peak_kb")) if x] or [0]) / 1024 or None
        q, term = a.get("q_exit_ms"), k.get("sigterm_exit_ms")
        print(f"### Fleet ({n:,} instances in Prometheus; Resources pane zoomed)")
        print()
        print("| instances in Prom | rows on screen | idle CPU % | RSS peak MiB | j median ms | "
              "j p90 ms | j answered | q exit ms | SIGTERM exit ms | servers CPU % | other busy % |")
        print("|" + "---|" * 11)
        print(f"| {a.get('prom_instances', '?')} | {a.get('fleet_rows_on_screen', '–')} | {f(cpu, 2)} | "
              f"{f(rss)} | {f(jm)} | {f(jp)} | {jn} | {f(q, 0)} | {f(term, 0)} | "
              f"{f(a.get('servers_cpu_pct'))} | {f(a.get('noise_other_busy_pct'))} |")
        print()
        goals += [
            (f"fleet {n}: idle CPU <= 2 %", cpu, 2.0, f"{f(cpu, 2)} %", "2 %"),
            (f"fleet {n}: j key -> screen median <= 20 ms", jm, 20, f"{f(jm)} ms", "20 ms"),
            (f"fleet {n}: RSS peak <= 32 MiB", rss, 32, f"{f(rss)} MiB", "32 MiB"),
            (f"fleet {n}: quit with q <= 1 s", q, 1000, exit_shown(q), "1000 ms", True),
            (f"fleet {n}: SIGTERM exit <= 1 s", term, 1000, exit_shown(term), "1000 ms", True),
        ]

    allr = [r for r in recs if r.get("stage") == "all"]
    if allr:
        print("### Everything on (local host, Prometheus, Alertmanager, a scrape, two panels, "
              "default rules and tasks) vs htop, interleaved")
        print()
        print("| tool | runs | first frame ms | steady CPU % | RSS peak MiB | bytes/s | other busy % |")
        print("|---|---|---|---|---|---|---|")
        by = {}
        for r in allr:
            by.setdefault(r["tool"], []).append(r)

        def rng(xs, nd):
            xs = [x for x in xs if x is not None]
            if not xs:
                return "–"
            lo, hi = f(min(xs), nd), f(max(xs), nd)
            return lo if lo == hi else f"{lo}–{hi}"
        for tool in ("htop", "opsdeck"):
            rs = by.get(tool, [])
            print(f"| {tool} | {len(rs)} | {rng([r.get('first_frame_ms') for r in rs], 0)} | "
                  f"{rng([r.get('cpu_pct_of_one_core') for r in rs], 2)} | "
                  f"{rng([r['rss_kb_peak'] / 1024 for r in rs if r.get('rss_kb_peak')], 1)} | "
                  f"{rng([r.get('bytes_per_sec_steady') for r in rs], 0)} | "
                  f"{rng([r.get('noise_other_busy_pct') for r in rs], 1)} |")
        print()
        o, h = by.get("opsdeck", []), by.get("htop", [])
        hc, oc = med([r.get("cpu_pct_of_one_core") for r in h]), med([r.get("cpu_pct_of_one_core") for r in o])
        ratio = oc / hc if hc and oc is not None else None
        rss = max([r["rss_kb_peak"] / 1024 for r in o if r.get("rss_kb_peak")] or [None], key=lambda x: x or 0)
        ff = max([r["first_frame_ms"] for r in o if r.get("first_frame_ms") is not None] or [None],
                 key=lambda x: x or 0)
        goals += [
            ("everything on: steady CPU <= 1.0x htop (medians)", ratio, 1.0, f"{f(ratio, 2)}x", "1.0x"),
            ("everything on: RSS peak <= 12 MiB", rss, 12, f"{f(rss)} MiB", "12 MiB"),
            ("everything on: first frame <= 20 ms", ff, 20, f"{f(ff, 0)} ms", "20 ms"),
        ]

    if goals:
        print("### Goals (issue 15)")
        print()
        print("| goal | opsdeck | limit | verdict |")
        print("|---|---|---|---|")
        for label, value, limit, shown, lim, *frozen in goals:
            print(f"| {label} | {shown} | {lim} | {verdict(value, limit, bool(frozen))} |")
        print()
    if any(r.get("build_running") for r in recs):
        print("Some runs were measured while a build was running (build_running in the JSON): "
              "their CPU and latency figures are not comparable.")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin")
    ap.add_argument("--servers")
    ap.add_argument("--repo", default=".")
    ap.add_argument("--out")
    ap.add_argument("--rundir")
    ap.add_argument("--rev", default="unknown")
    ap.add_argument("--summarize", metavar="JSONL")
    args = ap.parse_args()
    if args.summarize:
        summarize(args.summarize)
        return
    os.makedirs(args.rundir, exist_ok=True)
    stages = os.environ.get("BENCH_SCALE_STAGES", "storm fleet all").split()
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    runner = Runner(args)
    try:
        for stage in stages:
            {"storm": runner.storm, "fleet": runner.fleet, "all": runner.everything}[stage]()
    except KeyboardInterrupt as e:
        log(f"interrupted ({e}); servers and opsdeck stopped")
        sys.exit(130)
    finally:
        runner.close()
    summarize(args.out)


if __name__ == "__main__":
    main()
