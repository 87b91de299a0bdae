#!/usr/bin/env python3
"""Runs the same commands on redis-server and on nokv-redis and diffs the raw
RESP replies.

  compat_diff.py NOKV_REDIS_BINARY CASES_FILE [--random N] [--seed S]
                 [--redis-server PATH] [--keep]

Both servers are started on free loopback ports with temporary directories
(redis-server without persistence) and stopped on exit. The cases file holds
one command per line, split like a shell line (quotes group words); every word
then goes through Python's unicode_escape, so "\\x00" is a NUL byte and "\\\\"
a backslash. A blank line starts a new group: both servers get FLUSHALL
first. Lines starting with '#' are comments. A line starting with '~' runs on
both servers without comparing the replies (setup whose reply is known to
differ). --random N then also runs N generated bitmap, range and LCS
commands over random strings (seed printed; --seed repeats a run). Exit 0 if
every reply matched, 1 if one differed, 77 (skip) if
redis-server is not installed.
"""
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def reply(self):
        """One reply, rendered as a readable string."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return line.decode("latin-1")
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return "(nil)"
            return repr(self._bytes(n + 2)[:-2])
        if kind == b"*":
            n = int(rest)
            if n < 0:
                return "(nil array)"
            return "[" + ", ".join(self.reply() for _ in range(n)) + "]"
        return "?" + line.decode("latin-1")

    def command(self, words):
        out = b"*%d\r\n" % len(words)
        for w in words:
            out += b"$%d\r\n%s\r\n" % (len(w), w)
        self.sock.sendall(out)
        return self.reply()


def wait_port(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit("%s exited with %d" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("%s did not start" % what)


def parse_cases(path):
    groups, group = [], []
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not line.strip():
            if group:
                groups.append(group)
            group = []
            continue
        if line.startswith("#"):
            continue
        compare = not line.startswith("~")
        words = shlex.split(line.lstrip("~"))
        words = [w.encode("latin-1").decode("unicode_escape").encode("latin-1") for w in words]
        group.append((line, words, compare))
    if group:
        groups.append(group)
    return groups


def random_cases(n, rng):
    """N random commands over a few random keys, as one group."""
    def rstr():
        return bytes(rng.choice([0, 0xff, 0x0f, 0xf0, 0x55, rng.randrange(256)])
                     for _ in range(rng.randrange(0, 10)))

    def num(lo, hi):
        return str(rng.randint(lo, hi)).encode()

    keys = [b"r0", b"r1", b"r2", b"nokey"]
    group = []
    for k in keys[:3]:
        group.append(("SET", [b"SET", k, rstr()], True))
    for _ in range(n):
        k = rng.choice(keys)
        kind = rng.randrange(8)
        if kind == 0:
            w = [b"BITCOUNT", k]
            if rng.random() < 0.8:
                w += [num(-30, 30), num(-30, 30)]
                if rng.random() < 0.6:
                    w.append(rng.choice([b"BIT", b"BYTE", b"bit"]))
        elif kind == 1:
            w = [b"BITPOS", k, rng.choice([b"0", b"1"])]
            for _ in range(rng.randrange(0, 3)):
                w.append(num(-40, 40))
            if len(w) == 5 and rng.random() < 0.6:
                w.append(rng.choice([b"BIT", b"BYTE"]))
        elif kind == 2:
            w = [b"BITFIELD", k]
            for _ in range(rng.randrange(1, 5)):
                op = rng.randrange(4)
                signed = rng.random() < 0.5
                bits = rng.randint(1, 64 if signed else 63)
                t = (b"i" if signed else b"u") + str(bits).encode()
                off = (b"#" + num(0, 8)) if rng.random() < 0.3 else num(0, 90)
                big = 1 << (bits + 1)
                if op == 0:
                    w += [b"GET", t, off]
                elif op == 1:
                    w += [b"SET", t, off, num(-big, big)]
                elif op == 2:
                    w += [b"INCRBY", t, off, num(-big, big)]
                else:
                    w += [b"OVERFLOW", rng.choice([b"WRAP", b"SAT", b"FAIL"])]
        elif kind == 3:
            w = [b"SETBIT", k, num(0, 80), rng.choice([b"0", b"1"])]
        elif kind == 4:
            w = [b"GETRANGE", k, num(-15, 15), num(-15, 15)]
        elif kind == 5:
            w = [b"BITOP", rng.choice([b"AND", b"OR", b"XOR"]), rng.choice(keys[:3])]
            w += [rng.choice(keys) for _ in range(rng.randrange(1, 4))]
        elif kind == 6:
            a = bytes(rng.choice(b"abc") for _ in range(rng.randrange(0, 12)))
            b = bytes(rng.choice(b"abc") for _ in range(rng.randrange(0, 12)))
            group.append(("MSET", [b"MSET", b"l1", a, b"l2", b], True))
            w = [b"LCS", b"l1", b"l2"]
            w += rng.choice([[], [b"LEN"], [b"IDX"], [b"IDX", b"WITHMATCHLEN"],
                             [b"IDX", b"MINMATCHLEN", num(0, 4), b"WITHMATCHLEN"]])
        else:
            w = [b"GET", k]
        group.append((b" ".join(w).decode("latin-1"), w, True))
    return group


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    nokv_bin, cases = args[0], args[1]
    redis_server = "redis-server"
    if "--redis-server" in args:
        redis_server = args[args.index("--redis-server") + 1]
    if shutil.which(redis_server) is None:
        print("SKIP: not installed: redis-server (scripts/install_deps.sh installs it)")
        return 77
    tmp = tempfile.mkdtemp(prefix="nokv-compat-")
    procs = []
    try:
        rport = free_port()
        redis = subprocess.Popen(
            [redis_server, "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp, "--daemonize", "no"],
            stdout=open(os.path.join(tmp, "redis.log"), "w"), stderr=subprocess.STDOUT)
        procs.append(redis)
        log = os.path.join(tmp, "nokv.log")
        nokv = subprocess.Popen(
            [nokv_bin, "--addr", "127.0.0.1:0", "--workdir", os.path.join(tmp, "db")],
            stdout=open(log, "w"), stderr=subprocess.STDOUT)
        procs.append(nokv)
        nport = None
        for _ in range(200):
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log).read())
            if m:
                nport = int(m.group(1))
                break
            if nokv.poll() is not None:
                break
            time.sleep(0.05)
        if nport is None:
            sys.exit("nokv-redis did not start: " + open(log).read())
        wait_port(rport, redis, "redis-server")
        version = Client(rport).command([b"INFO", b"server"])
        print("reference:", re.search(r"redis_version:([0-9.]+)", version).group(1))

        a, b = Client(rport), Client(nport)
        compared = diffs = 0
        groups = parse_cases(cases)
        if "--random" in args:
            seed = int(args[args.index("--seed") + 1]) if "--seed" in args else random.randrange(1 << 30)
            print("random cases: seed", seed)
            groups.append(random_cases(int(args[args.index("--random") + 1]), random.Random(seed)))
        for group in groups:
            a.command([b"FLUSHALL"])
            b.command([b"FLUSHALL"])
            for line, words, compare in group:
                ra, rb = a.command(words), b.command(words)
                if not compare:
                    continue
                compared += 1
                if ra != rb:
                    diffs += 1
                    print("DIFF %s\n  redis: %s\n  nokv:  %s" % (line, ra, rb))
        print("%d commands compared, %d differ" % (compared, diffs))
        return 1 if diffs else 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if "--keep" not in args:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
