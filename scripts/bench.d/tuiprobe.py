"""Drive a TUI in a private tmux server and time how fast it answers keys.

A `Pane` runs one command in its own tmux server (`tmux -L <unique> -f conf`),
in a pane of exactly COLS x ROWS. As in ../shared/bench/tui-measure, the pane
first runs a shell that blocks on a FIFO, `pipe-pane` is attached, and only then
does the shell `exec` the program (same pid), so every byte the program writes
lands in `<name>.raw`.

Key -> screen latency (`Pane.key`): note the screen, send the key with
`tmux send-keys`, then poll the size of the .raw file every 0.5 ms. When bytes
arrive, wait for the frame to end (the end of synchronized output, ESC[?2026l,
or 5 ms without bytes), capture the screen and ask `answered(before, after)`
whether that frame is the answer (e.g. the highlighted row moved). A frame that
is not the answer (a clock tick, a poll) is skipped and the wait goes on. The
latency is key sent -> end of the answering frame. No answer within `timeout`
seconds: None (the caller counts it as frozen).
"""
import os
import re
import secrets
import shlex
import signal
import subprocess
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
SYNC_END = b"\x1b[?2026l"
ANSI = re.compile(r"\x1b\[[0-9;:?]*[ -/]*[@-~]")


def read_stat(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("latin-1")
    except OSError:
        return None
    rest = data[data.rfind(")") + 2:].split()
    return {"state": rest[0], "ppid": int(rest[1]),
            "ticks": sum(int(x) for x in rest[11:15]), "own": int(rest[11]) + int(rest[12]),
            "start": int(rest[19])}


def tree(root):
    stats = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            s = read_stat(int(d))
            if s:
                stats[int(d)] = s
    kids = {}
    for pid, s in stats.items():
        kids.setdefault(s["ppid"], []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        if p in stats:
            out.append(p)
            todo.extend(kids.get(p, []))
    return out, stats


def ticks_of(pids):
    """CPU ticks (user+sys, with reaped children) of these pids and their trees."""
    total = 0
    for root in pids:
        ps, stats = tree(root)
        total += sum(stats[p]["ticks"] for p in ps)
    return total


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sys_cpu():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return {"busy": sum(v[:8]) - v[3] - v[4], "total": sum(v[:8])}


def strip(text):
    return ANSI.sub("", text)


class Pane:
    def __init__(self, name, cols, rows, argv, env, outdir, term="tmux-256color"):
        self.name, self.cols, self.rows = name, cols, rows
        self.raw = os.path.join(outdir, name + ".raw")
        self.work = tempfile.mkdtemp(prefix="opsdeck-probe.", dir="/tmp")
        self.sock = f"opsdeck-scale-{os.getpid()}-{secrets.token_hex(3)}"
        conf = os.path.join(self.work, "tmux.conf")
        with open(conf, "w") as f:
            f.write(f"set -g status off\nset -g default-terminal {term}\n"
                    "setw -g remain-on-exit on\nset -g exit-unattached off\n"
                    "set -g destroy-unattached off\n")
        self.base = ["tmux", "-L", self.sock, "-f", conf, "-u"]
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        fifo = os.path.join(self.work, "go")
        os.mkfifo(fifo)
        launch = os.path.join(self.work, "launch.sh")
        envs = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
        with open(launch, "w") as f:
            f.write(f"read _ < {shlex.quote(fifo)}\n"
                    f"exec env {envs} {' '.join(shlex.quote(a) for a in argv)}\n")
        open(self.raw, "wb").close()
        try:
            self._spawn(cols, rows, launch, fifo)
        except BaseException:
            self.close()
            raise
        self.rss_peak_kb = 0

    def _spawn(self, cols, rows, launch, fifo):
        self.pid = self.start_tick = None
        self.tmux("new-session", "-d", "-s", "m", "-x", str(cols), "-y", str(rows),
                  "/bin/sh", launch)
        self.tmux("pipe-pane", "-o", "-t", "m", "cat >> " + shlex.quote(self.raw))
        self.pid = int(self.tmux("display-message", "-p", "-t", "m", "#{pane_pid}").strip())
        self.start_tick = read_stat(self.pid)["start"]
        fd = None
        deadline = time.monotonic() + 5
        while fd is None:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the pane's shell never opened the start FIFO")
                time.sleep(0.001)
        self.t0 = time.monotonic()
        os.write(fd, b"go\n")
        os.close(fd)

    def tmux(self, *args, timeout=10):
        r = subprocess.run(self.base + list(args), capture_output=True, env=self.env,
                           timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode("utf-8", errors="replace")

    def elapsed(self):
        return time.monotonic() - self.t0

    def size(self):
        try:
            return os.path.getsize(self.raw)
        except OSError:
            return 0

    def screen(self, escapes=False):
        args = ["capture-pane", "-p", "-t", "m"] + (["-e"] if escapes else [])
        return self.tmux(*args)

    def send(self, *keys, literal=False):
        self.tmux("send-keys", "-t", "m", *(["-l"] if literal else []), *keys)

    def alive(self):
        if getattr(self, "pid", None) is None:
            return False
        s = read_stat(self.pid)
        return s is not None and s["start"] == self.start_tick and s["state"] != "Z"

    def ticks(self):
        return ticks_of([self.pid]) if self.alive() else 0

    def sample_rss(self):
        kb = sum(status_kb(p, "VmRSS") for p in tree(self.pid)[0]) if self.alive() else 0
        self.rss_peak_kb = max(self.rss_peak_kb, kb)
        return kb

    def hwm_kb(self):
        kb = sum(status_kb(p, "VmHWM") for p in tree(self.pid)[0]) if self.alive() else 0
        self.rss_peak_kb = max(self.rss_peak_kb, kb)
        return self.rss_peak_kb

    def wait_first_frame(self, timeout=10.0):
        while self.elapsed() < timeout:
            if self.screen().strip():
                return self.elapsed() * 1000
            if not self.alive():
                return None
            time.sleep(0.005)
        return None

    def wait_screen(self, pred, timeout, every=0.25):
        """Polls the screen until pred(text) is truthy; returns it, or None."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            v = pred(text)
            if v:
                return v
            if time.monotonic() >= deadline or not self.alive():
                return None
            self.sample_rss()
            time.sleep(every)

    def wait_quiet(self, quiet=1.0, timeout=15.0):
        """Until no byte came for `quiet` seconds (a backlog of keys has drained)."""
        deadline = time.monotonic() + timeout
        last, since = self.size(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.size()
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return True
        return False

    def _frame_end(self, pos):
        """Waits for the frame that started after `pos` to end; returns (time, new pos)."""
        t_last, size = time.monotonic(), self.size()
        with open(self.raw, "rb") as f:
            while True:
                f.seek(max(0, pos - len(SYNC_END)))
                if SYNC_END in f.read():
                    return time.monotonic(), self.size()
                time.sleep(0.0005)
                n = self.size()
                if n != size:
                    size, t_last = n, time.monotonic()
                    continue
                if time.monotonic() - t_last >= 0.005:
                    return t_last, size

    def key(self, keys, answered, timeout=10.0, literal=False):
        """Sends `keys`; seconds until the frame that `answered(before, after)`
        accepts (screens captured with escapes), or None after `timeout`."""
        before = self.screen(escapes=True)
        pos = self.size()
        t_send = time.monotonic()
        self.send(*keys, literal=literal)
        deadline = t_send + timeout
        while time.monotonic() < deadline:
            if self.size() > pos:
                t_end, pos = self._frame_end(pos)
                if answered(before, self.screen(escapes=True)):
                    return t_end - t_send
                continue
            if not self.alive():
                return None
            time.sleep(0.0005)
        return None

    def time_exit(self, how, timeout=10.0):
        """Sends `q` (how="q") or SIGTERM (how="SIGTERM"); seconds until the
        process is gone, or None after `timeout`."""
        if not self.alive():
            return None
        t = time.monotonic()
        if how == "SIGTERM":
            os.kill(self.pid, signal.SIGTERM)
        else:
            self.send(how)
        while time.monotonic() - t < timeout:
            if not self.alive():
                return time.monotonic() - t
            time.sleep(0.002)
        return None

    def close(self):
        """Kills what is left (by pid, checked against its start time) and the tmux server."""
        if self.alive():
            for p in reversed(tree(self.pid)[0]):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        try:
            self.tmux("kill-server", timeout=5)
        except Exception:
            pass
        subprocess.run(["rm", "-rf", self.work])
