#!/usr/bin/env python3
"""chaos.py - the driver of tests/e2e/0400-chaos.sh (and `make chaos`).

    chaos.py run     random changes while nodes and the master are killed,
                     stopped and restarted; at the end every process runs
    chaos.py check   after convergence: the master, every node's store and
                     the live services against what the API answered

The shell test starts the cluster with lib.sh and passes it here through
the environment: HF, MSTATE, WORK, NET, NSPREFIX (a node's netns is
NSPREFIX-INDEX), NODES ("INDEX:ID:ROLES ..."), CHAOS_PROCS ("NAME:PID ...", the
processes lib.sh started), CHAOS_SEED and CHAOS_STEPS.

Every API call's outcome is kept: acknowledged (an "ok" answer), refused
(an "error" answer, or no connection at all: the change must be nowhere)
or unknown (no answer: the master died under it; or the error that says
"repeat the call to be sure of its outcome", which the master gives when
a node's answer to a user-data change was lost; either outcome is
allowed, but master and nodes must agree).  The model holds, for
each object, the set of states it may be in; an acknowledged change makes
it the one new state, a refused one leaves it, an unknown one adds the new
state to the set.  `check` requires every object's actual state, on the
master and on its nodes alike, to be in its set.

`run` writes WORK/chaos.json (the model) and keeps WORK/chaos.pids up to
date ("NAME PID" of each process it started, "gone PID" of each of
lib.sh's it killed), so that the test's teardown stops what runs.  `check`
prints one line per check, "ok DESCRIPTION" or "FAIL DESCRIPTION".
Standard library only.
"""

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time

ENV = os.environ
HF = ENV["HF"]
MSTATE = ENV["MSTATE"]
WORK = ENV["WORK"]
NET = ENV["NET"]
NSPREFIX = ENV["NSPREFIX"]
NODES = {}              # index -> {"id": int, "roles": [..]}
for _w in ENV["NODES"].split():
    _i, _id, _r = _w.split(":")
    NODES[int(_i)] = {"id": int(_id), "roles": _r.split(",")}
ID2IDX = {v["id"]: k for k, v in NODES.items()}
USERS = ("alice", "bob")
CALL_BOUND = 120        # s: a call that takes longer is a hang (I6)
KIND_ROLE = {"webdomain": "web", "domain": "dns", "emaildomain": "mail",
             "email": "mail"}
# the node store's kind of each index kind
KIND_STORE = {"webdomain": "webdomain", "domain": "zone",
              "emaildomain": "emaildomain", "email": "mailbox"}


def log(msg):
    print(msg, flush=True)


# ---- processes ----

class Proc:
    """A daemon of the test: the master or a node agent."""

    def __init__(self, name, pid):
        self.name = name
        self.pid = pid
        self.popen = None       # None while it is lib.sh's child
        self.state = "run"      # run, stopped, dead
        self.starts = 0
        self.hook = ""          # the HOSTFLEET_TEST_* of this instance

    def argv(self):
        if self.name == "master":
            return [HF, "master", "-c", WORK + "/master.json"]
        i = int(self.name[1:])
        return [HF, "node", "-s", "%s/n%d/state" % (WORK, i),
                "-a", "%s.%d" % (NET, i), "-r", "%s/n%d/root" % (WORK, i),
                "--services-addr", "%s.%d" % (NET, i),
                "--netns", "%s-%d" % (NSPREFIX, i)]


PROCS = {}
GONE = []               # lib.sh's pids this driver killed


def write_pids():
    tmp = WORK + "/chaos.pids.new"
    with open(tmp, "w") as f:
        for p in PROCS.values():
            if p.popen is not None and p.state != "dead":
                f.write("%s %d\n" % (p.name, p.pid))
        for pid in GONE:
            f.write("gone %d\n" % pid)
    os.rename(tmp, WORK + "/chaos.pids")


def exited(pid):
    """True once every thread of pid is gone (the leader may stay a zombie,
    lib.sh's child): its sockets are closed then, not before."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                return False
        return len(os.listdir("/proc/%d/task" % pid)) <= 1
    except OSError:
        return True


def port_free(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def kill9(p):
    if p.state == "dead":
        return
    os.kill(p.pid, signal.SIGKILL)
    if p.popen is not None:
        p.popen.wait()
    else:
        end = time.monotonic() + 20
        while not exited(p.pid) and time.monotonic() < end:
            time.sleep(0.05)
        if not exited(p.pid):
            raise SystemExit("chaos: %s (pid %d) survived SIGKILL"
                             % (p.name, p.pid))
        GONE.append(p.pid)
    p.state = "dead"
    write_pids()


def sigstop(p):
    os.kill(p.pid, signal.SIGSTOP)
    p.state = "stopped"


def sigcont(p):
    os.kill(p.pid, signal.SIGCONT)
    p.state = "run"


def start(p, hook=""):
    """Starts p again (it must be dead), with HOOK=MS in its environment."""
    assert p.state == "dead"
    # the port of the instance before: free once its last thread is gone
    addr, port = ("%s.1" % NET, 1500) if p.name == "master" else \
        ("%s.%s" % (NET, p.name[1:]), 1501)
    end = time.monotonic() + 30
    while not port_free(addr, port) and time.monotonic() < end:
        time.sleep(0.1)
    if not port_free(addr, port):
        raise SystemExit("chaos: %s:%d still taken 30 s after %s died"
                         % (addr, port, p.name))
    p.starts += 1
    env = dict(os.environ)
    p.hook = hook
    if hook:
        k, v = hook.split("=")
        env[k] = v
    base = "%s/%s.r%d" % (WORK, p.name, p.starts)
    with open(base + ".out", "w") as out, open(base + ".err", "w") as err:
        p.popen = subprocess.Popen(p.argv(), stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, env=env)
    p.pid = p.popen.pid
    p.state = "run"
    write_pids()
    if p.name == "master":
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if subprocess.run([HF, "call", "-s", MSTATE, "whoami"],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0:
                return
            if p.popen.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("chaos: the master did not answer within 60 s of "
                         "its restart (%s.err)" % base)


# ---- the API ----

def call(func, args, who="admin"):
    """Starts a call of the API; finish() gives its outcome."""
    argv = [HF, "call", "-s", MSTATE, "-o", "JSONdata", func] + list(args)
    if who != "admin":
        argv.append("su=" + who)
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    return p


def finish(p, func):
    """(outcome, answer): outcome acked, refused or unknown."""
    try:
        out, err = p.communicate(timeout=CALL_BOUND)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise SystemExit("chaos: %s had no answer within %d s (I6)"
                         % (func, CALL_BOUND))
    try:
        a = json.loads(out)
    except ValueError:
        # no connection at all: the master never saw the call
        if "Couldn't connect to server" in err:
            return "refused", err.strip()[:300]
        return "unknown", (out + err).strip()[:300]
    if isinstance(a, dict) and "ok" in a:
        return "acked", a
    if isinstance(a, dict) and "error" in a:
        # a user-data change whose answer from the node was lost: the
        # master says itself that it does not know (api_udata.c)
        if "repeat the call to be sure of its outcome" in \
                a["error"].get("msg", ""):
            return "unknown", a
        # a delete the master has recorded and finishes with the node
        # (docs/internals/userdata.md, "Intent first"): it is done
        if "the delete is finished when the node answers" in \
                a["error"].get("msg", ""):
            return "acked", a
        return "refused", a
    return "unknown", out.strip()[:300]


def api_json(func, *args):
    out = subprocess.run([HF, "call", "-s", MSTATE, "-o", "JSONdata", func]
                         + list(args), capture_output=True, text=True,
                         timeout=CALL_BOUND).stdout
    return json.loads(out)


# ---- the model ----

def st(d):
    """A state as a hashable value: None (absent) or canonical JSON."""
    return None if d is None else json.dumps(d, sort_keys=True)


def un(s):
    return None if s is None else json.loads(s)


class Model:
    def __init__(self):
        self.poss = {}          # "kind name" -> set of states
        self.ids = {}           # firewall/scheduler tag -> id on the master
        self.log = {}           # "kind name" -> the calls that touched it

    def get(self, key):
        return self.poss.setdefault(key, {None})

    def note(self, key, line):
        self.log.setdefault(key, []).append(line)

    def apply(self, key, outcome, fn):
        """fn(state dict or None) -> new dict, None, or NotImplemented when
        the call cannot succeed from that state.  Returns an error message
        when an acknowledged call was impossible from every state."""
        old = self.get(key)
        new = set()
        for s in old:
            r = fn(un(s))
            if r is not NotImplemented:
                new.add(st(r))
        if outcome == "acked":
            if not new:
                return "acknowledged, but impossible from every state it " \
                       "may have been in: %s" % sorted(map(str, old))
            self.poss[key] = new
        elif outcome == "unknown":
            self.poss[key] = old | new
        return None

    def maybe(self, key, pred):
        """Whether some possible state satisfies pred (None excluded)."""
        return any(s is not None and pred(un(s)) for s in self.get(key))

    def some(self, key):
        """A present possible state, or None."""
        c = sorted(s for s in self.get(key) if s is not None)
        return un(c[0]) if c else None


M = Model()
PROBLEMS = []           # acknowledged calls the model says were impossible
OUTCOMES = {}           # acked, refused, unknown -> how many calls
STEP = [0]


# ---- operations: each returns (func, args, who, [(key, fn)]) ----

WEB = ["w%d.example.com" % k for k in range(1, 9)]
ZONES = ["z%d.example.net" % k for k in range(1, 6)]
MAILD = ["m%d.example.org" % k for k in range(1, 5)]
LOCALS = ["info", "sales", "ops"]
TAGS = {"fw": 0, "cron": 0}


def owner_of(key, rng):
    s = M.some(key)
    if s is not None and rng.random() < 0.85:
        return s["owner"]
    return rng.choice(USERS)


def user_active_maybe(u):
    return M.maybe("user " + u, lambda s: s["active"])


def create(fields):
    return lambda s: dict(fields) if s is None else NotImplemented


def edit(**kw):
    def fn(s):
        if s is None:
            return NotImplemented
        d = dict(s)
        d.update(kw)
        return d
    return fn


def delete(owner=None):
    def fn(s):
        if s is None or (owner is not None and s.get("owner") != owner):
            return NotImplemented
        return None
    return fn


def op_firewall(rng):
    tags = [t for t in M.ids if t.startswith("f") and M.maybe("fw " + t, bool)]
    r = rng.random()
    if r < 0.5 or not tags:
        TAGS["fw"] += 1
        tag = "f%d" % TAGS["fw"]
        f = {"action": rng.choice(["allow", "deny", "reject"]),
             "proto": rng.choice(["tcp", "udp"]),
             "port": str(rng.randint(2000, 60000)),
             "order": str(rng.randint(0, 2000)),
             "comment": "chaos " + tag}
        if rng.random() < 0.08:         # bad input: refused everywhere
            f["port"] = "70000"
        M.ids[tag] = None
        args = ["sok=ok"] + ["%s=%s" % kv for kv in sorted(f.items())]
        return "firewall.edit", args, "admin", [("fw " + tag, create(f))], tag
    tag = rng.choice(tags)
    rid = M.ids[tag]
    if r < 0.75:
        f = {"action": rng.choice(["allow", "deny", "reject"]),
             "port": str(rng.randint(2000, 60000)),
             "order": str(rng.randint(0, 2000)),
             "comment": "chaos %s e%d" % (tag, STEP[0])}
        args = ["sok=ok", "elid=" + rid] + ["%s=%s" % kv
                                            for kv in sorted(f.items())]
        return "firewall.edit", args, "admin", [("fw " + tag, edit(**f))], None
    return ("firewall.delete", ["elid=" + rid], "admin",
            [("fw " + tag, delete())], None)


def op_scheduler(rng):
    tags = [t for t in M.ids if t.startswith("c") and
            M.maybe("cron " + t, bool)]
    r = rng.random()
    if r < 0.5 or not tags:
        TAGS["cron"] += 1
        tag = "c%d" % TAGS["cron"]
        f = {"minute": rng.choice(["*", "*/5", "7", "0-30/10"]),
             "command": "/bin/true chaos-%s" % tag,
             "active": rng.choice(["on", "on", "off"]),
             "comment": "chaos " + tag}
        M.ids[tag] = None
        args = ["sok=ok"] + ["%s=%s" % kv for kv in sorted(f.items())]
        return ("scheduler.edit", args, "admin",
                [("cron " + tag, create(f))], tag)
    tag = rng.choice(tags)
    rid = M.ids[tag]
    if r < 0.75:
        f = {"minute": rng.choice(["*", "*/5", "7", "0-30/10"]),
             "active": rng.choice(["on", "off"])}
        args = ["sok=ok", "elid=" + rid] + ["%s=%s" % kv
                                            for kv in sorted(f.items())]
        return ("scheduler.edit", args, "admin",
                [("cron " + tag, edit(**f))], None)
    return ("scheduler.delete", ["elid=" + rid], "admin",
            [("cron " + tag, delete())], None)


def op_web(rng):
    name = rng.choice(WEB)
    key = "webdomain " + name
    u = owner_of(key, rng)
    r = rng.random()
    if r < 0.05:                        # bad input
        bad = "bad_%s" % name
        return ("webdomain.edit", ["sok=ok", "name=" + bad], u,
                [("webdomain " + bad, create({"owner": u}))], None)
    if not M.maybe(key, bool) or r < 0.3:
        f = {"owner": u, "log_access": True}
        return ("webdomain.edit", ["sok=ok", "name=" + name], u,
                [(key, create(f))], None)
    if r < 0.6:
        v = rng.choice([True, False])
        fn = edit(log_access=v)
        return ("webdomain.edit", ["sok=ok", "elid=" + name,
                                   "log_access=" + ("on" if v else "off")], u,
                [(key, lambda s: fn(s) if s and s["owner"] == u
                  else NotImplemented)], None)
    return ("webdomain.delete", ["elid=" + name], u,
            [(key, delete(u))], None)


def op_zone(rng):
    name = rng.choice(ZONES)
    key = "domain " + name
    u = owner_of(key, rng)
    r = rng.random()
    if not M.maybe(key, bool) or r < 0.2:
        f = {"owner": u, "txt": []}
        return ("domain.edit", ["sok=ok", "name=" + name, "ip=192.0.2.%d"
                                % rng.randint(1, 250)], u,
                [(key, create(f))], None)
    if r < 0.3:
        return ("domain.delete", ["elid=" + name], u,
                [(key, delete(u))], None)
    s = M.some(key)
    if r < 0.7 or not s["txt"]:
        rec = ["t%d.%s." % (rng.randint(1, 3), name),
               "v%d" % rng.randint(1, 20)]

        def fn(z):
            if z is None or z["owner"] != u or rec in z["txt"]:
                return NotImplemented
            return dict(z, txt=sorted(z["txt"] + [rec]))
        return ("domain.record.edit", ["sok=ok", "plid=" + name,
                                       "name=" + rec[0].split(".")[0],
                                       "rtype=txt", "value=" + rec[1]], u,
                [(key, fn)], None)
    rec = rng.choice(s["txt"])

    def fn(z):
        if z is None or z["owner"] != u or rec not in z["txt"]:
            return NotImplemented
        return dict(z, txt=[x for x in z["txt"] if x != rec])
    return ("domain.record.delete", ["plid=" + name,
                                     "elid=%s TXT  %s" % tuple(rec)], u,
            [(key, fn)], None)


def op_mail(rng):
    name = rng.choice(MAILD)
    key = "emaildomain " + name
    u = owner_of(key, rng)
    r = rng.random()
    boxes = ["email %s@%s" % (l, name) for l in LOCALS]
    def gone(s):
        return None             # no mailbox outlives its domain
    if not M.maybe(key, bool) or r < 0.15:
        # a new domain has no mailboxes
        return ("emaildomain.edit", ["sok=ok", "name=" + name], u,
                [(key, create({"owner": u}))] + [(b, gone) for b in boxes],
                None)
    if r < 0.25:
        return ("emaildomain.delete", ["elid=" + name], u,
                [(key, delete(u))] + [(b, gone) for b in boxes], None)
    local = rng.choice(LOCALS)
    bkey = "email %s@%s" % (local, name)
    if not M.maybe(bkey, bool) or r < 0.7:
        return ("email.edit", ["sok=ok", "name=" + local,
                               "domainname=" + name, "passwd=mail-pass-1"], u,
                [(bkey, create({"owner": u}))], None)
    return ("email.delete", ["elid=%s@%s" % (local, name)], u,
            [(bkey, delete(u))], None)


def op_user(rng):
    u = rng.choice(USERS)
    act = rng.random() < 0.5
    return ("user.resume" if act else "user.suspend", ["elid=" + u], "admin",
            [("user " + u, lambda s, act=act: {"active": act})], None)


OPS = [(op_firewall, 20), (op_scheduler, 8), (op_web, 16), (op_zone, 14),
       (op_mail, 14), (op_user, 5)]

# what a mailbox needs: its domain, the same owner's


def mailbox_possible(func, args, u):
    dom = [a.split("=", 1)[1] for a in args if a.startswith("domainname=")][0]
    return M.maybe("emaildomain " + dom, lambda s: s["owner"] == u)


def record(func, args, who, effects, tag, outcome, answer):
    line = "step %d: %s %s%s -> %s %s" % (
        STEP[0], func, " ".join(args),
        "" if who == "admin" else " su=" + who, outcome,
        json.dumps(answer)[:200] if not isinstance(answer, str) else answer)
    log(line)
    OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1
    if outcome == "acked" and tag is not None:
        M.ids[tag] = answer.get("id")
    creating = func in ("webdomain.edit", "domain.edit", "emaildomain.edit",
                        "email.edit") and not any(
        a.startswith("elid=") for a in args)
    if outcome == "acked" and creating and who != "admin" and \
            not user_active_maybe(who):
        PROBLEMS.append("%s: created for %s, who was suspended" % (line, who))
    if outcome == "acked" and func == "email.edit" and creating and \
            not mailbox_possible(func, args, who):
        PROBLEMS.append("%s: a mailbox in a mail domain %s does not have"
                        % (line, who))
    for key, fn in effects:
        M.note(key, line)
        err = M.apply(key, outcome, fn)
        if err:
            PROBLEMS.append("%s: %s: %s" % (line, key, err))


def pick_op(rng):
    total = sum(w for _, w in OPS)
    x = rng.uniform(0, total)
    for fn, w in OPS:
        x -= w
        if x <= 0:
            return fn(rng)
    return OPS[-1][0](rng)


def node_of(op, healthy, rng):
    """The node a call goes to when it is a user's and that node is among
    healthy, else a random one of healthy."""
    func, args, who = op[0], op[1], op[2]
    role = KIND_ROLE.get(func.split(".")[0])
    if who != "admin" and role:
        try:
            for e in api_json("user.placement", "elid=" + who)["elem"]:
                i = ID2IDX.get(int(e["node_id"]))
                if e["role"] == role and "n%d" % i in [p.name
                                                       for p in healthy]:
                    return PROCS["n%d" % i]
        except (ValueError, KeyError, subprocess.TimeoutExpired):
            pass
    return rng.choice(healthy)


# the kinds of call that may run at once: a batch touches each object once
# and none of them depends on another object's state (as a mailbox does on
# its domain, or a create on its owner's suspension)
PARALLEL = [op_firewall, op_scheduler, op_web, op_zone]


def pick_batch(rng):
    """One call, or now and then two or three at once."""
    batch = [pick_op(rng)]
    if rng.random() < 0.2 and batch[0][0].split(".")[0] in (
            "firewall", "scheduler", "webdomain", "domain"):
        for _ in range(rng.randint(1, 2)):
            o = rng.choice(PARALLEL)(rng)
            keys = {k for b in batch for k, _ in b[3]}
            if not keys & {k for k, _ in o[3]}:
                batch.append(o)
    return batch


def resolve_ids():
    """Ids of firewall rules and jobs whose create had no answer."""
    if all(v is not None for k, v in M.ids.items() if k[0] != "~"):
        return
    for t, typ in (("f", "firewall"), ("c", "scheduler")):
        try:
            items = api_json(typ).get("elem", [])
        except (ValueError, subprocess.TimeoutExpired):
            continue
        for it in items:
            m = re.match(r"chaos ([fc]\d+)", it.get("comment", ""))
            if m and m.group(1).startswith(t) and M.ids.get(m.group(1)) is None:
                M.ids[m.group(1)] = it["id"]
    for k in [k for k, v in M.ids.items() if v is None and k[0] != "~"]:
        # no id known: it may exist with one we never learnt; edits and
        # deletes leave it alone
        M.ids.pop(k)
        M.ids["~" + k] = None


# ---- run ----

def run():
    seed = int(ENV["CHAOS_SEED"])
    steps = int(ENV["CHAOS_STEPS"])
    rng = random.Random(seed)
    for w in ENV["CHAOS_PROCS"].split():
        n, pid = w.split(":")
        PROCS[n] = Proc(n, int(pid))
    for u in USERS:
        M.poss["user " + u] = {st({"active": True})}
    write_pids()
    nodes = [PROCS["n%d" % i] for i in sorted(NODES)]
    master = PROCS["master"]
    later = {}          # proc name -> (steps left, "cont" or "start")
    counts = {}
    for STEP[0] in range(1, steps + 1):
        # faults that end now
        for name in list(later):
            left, what = later[name]
            if left > 1:
                later[name] = (left - 1, what)
                continue
            del later[name]
            p = PROCS[name]
            log("step %d: %s %s" % (STEP[0], "SIGCONT" if what == "cont"
                                    else "restart", name))
            if what == "cont":
                sigcont(p)
            else:
                start(p)
        resolve_ids()
        r = rng.random()
        healthy = [n for n in nodes if n.name not in later]
        # at most two nodes out at once, so that most queries pass the gate
        fault = None
        if r < 0.22:
            fault = rng.choice(["node_kill", "node_kill", "node_stop",
                                "node_stop", "node_hook", "master_kill",
                                "master_kill_mid", "node_kill_mid",
                                "node_stop_mid", "node_stop_mid"])
            if fault.startswith("node") and len(healthy) <= 2:
                fault = None
        if fault:
            counts[fault] = counts.get(fault, 0) + 1
        if fault in ("node_kill", "node_stop", "node_hook"):
            p = rng.choice(healthy)
            if fault == "node_stop":
                n = rng.randint(1, 4)
                log("step %d: SIGSTOP %s for %d steps" % (STEP[0], p.name, n))
                sigstop(p)
                later[p.name] = (n, "cont")
            elif fault == "node_kill":
                n = rng.choice([0, 0, 1, 2, 3])
                log("step %d: SIGKILL %s, restarted %s" % (
                    STEP[0], p.name, "at once" if n == 0
                    else "in %d steps" % n))
                kill9(p)
                if n == 0:
                    start(p)
                else:
                    later[p.name] = (n, "start")
            else:
                hook = rng.choice(["HOSTFLEET_TEST_UD_DELAY_MS",
                                   "HOSTFLEET_TEST_APPLY_DELAY_MS", ""])
                hook = hook and "%s=%d" % (hook, rng.choice([300, 1000, 2000]))
                log("step %d: SIGKILL %s, restarted with [%s]"
                    % (STEP[0], p.name, hook))
                kill9(p)
                start(p, hook)
            continue
        if fault == "master_kill":
            hook = "" if rng.random() < 0.6 else \
                "HOSTFLEET_TEST_COMMIT_DELAY_MS=%d" % rng.choice([500, 1500])
            log("step %d: SIGKILL master, restarted with [%s]"
                % (STEP[0], hook))
            kill9(master)
            start(master, hook)
            continue
        batch = pick_batch(rng)
        if len(batch) > 1:
            log("step %d: %d calls at once" % (STEP[0], len(batch)))
        victim = None
        if fault in ("master_kill_mid", "node_kill_mid", "node_stop_mid"):
            victim = master if fault == "master_kill_mid" else \
                node_of(batch[0], healthy, rng)
        calls = [(o, call(o[0], o[1], o[2])) for o in batch]
        if victim is not None:
            delay = rng.uniform(0.0, 0.4)
            time.sleep(delay)
            log("step %d: %s %s %.2f s into the call"
                % (STEP[0], "SIGSTOP" if fault == "node_stop_mid"
                   else "SIGKILL", victim.name, delay))
            if fault == "node_stop_mid":
                sigstop(victim)
            else:
                kill9(victim)
        for o, pc in calls:
            outcome, answer = finish(pc, o[0])
            record(*o, outcome, answer)
        if victim is master:
            hook = "" if rng.random() < 0.6 else \
                "HOSTFLEET_TEST_COMMIT_DELAY_MS=%d" % rng.choice([500, 1500])
            log("step %d: restart master [%s]" % (STEP[0], hook))
            start(master, hook)
        elif fault == "node_stop_mid":
            n = rng.randint(0, 2)
            if n == 0:
                log("step %d: SIGCONT %s" % (STEP[0], victim.name))
                sigcont(victim)
            else:
                later[victim.name] = (n, "cont")
        elif victim is not None:
            start(victim)
    # the end: every process runs
    for p in PROCS.values():
        if p.state == "stopped":
            log("end: SIGCONT " + p.name)
            sigcont(p)
        elif p.state == "dead":
            log("end: restart " + p.name)
            start(p)
    write_pids()
    with open(WORK + "/chaos.json", "w") as f:
        json.dump({"poss": {k: sorted(v, key=str) for k, v in M.poss.items()},
                   "log": M.log, "problems": PROBLEMS}, f)
    log("summary: calls %s; faults %s" % (
        ", ".join("%s %d" % kv for kv in sorted(OUTCOMES.items())),
        ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none"))


# ---- check ----

class Checker:
    def __init__(self):
        self.n = 0

    def ok(self, cond, desc):
        self.n += 1
        print(("ok " if cond else "FAIL ") + desc.replace("\n", " "),
              flush=True)
        return cond


def dump(*args):
    out = subprocess.run([HF, "dump", "-s"] + list(args), capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise SystemExit("chaos: hostfleet dump %s: %s"
                         % (" ".join(args), out.stderr.strip()))
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def node_dump(i, *args):
    return dump("%s/n%d/state" % (WORK, i), *args)


def sh(*argv):
    return subprocess.run(list(argv), capture_output=True, text=True,
                          timeout=60).stdout


def allowed(key, actual, C, what):
    """Checks that actual is one of key's possible states."""
    poss = set(MODEL["poss"].get(key, [None]))
    good = st(actual) in poss
    desc = "%s: %s is %s" % (key, what, "absent" if actual is None
                             else st(actual))
    if not good:
        desc += ", which is none of the states the API's answers allow (%s); " \
                "calls: %s" % ("; ".join("absent" if s is None else s
                                         for s in sorted(poss, key=str)),
                               " | ".join(MODEL["log"].get(key, [])[-6:]))
    return C.ok(good, desc)


def check_sysdata(C, typ, prefix, fields, all_nodes):
    items = api_json(typ)["elem"]
    by_tag = {}
    for it in items:
        m = re.match(r"chaos ([fc]\d+)", it.get("comment", ""))
        C.ok(m is not None, "%s %s on the master is one the test made: %s"
             % (typ, it["id"], json.dumps(it)))
        if m:
            by_tag[m.group(1)] = it
    tags = {k.split()[1] for k in MODEL["poss"] if k.startswith(prefix + " ")}
    for t in sorted(tags | set(by_tag)):
        it = by_tag.get(t)
        actual = None if it is None else {f: it[f] for f in fields}
        allowed("%s %s" % (prefix, t), actual, C, "on the master")
    norm = sorted(({k: str(v) for k, v in it.items()} for it in items),
                  key=lambda d: int(d["id"]))
    for i in all_nodes:
        got = sorted(({k: str(v) for k, v in it.items()}
                      for it in node_dump(i, "items", typ)),
                      key=lambda d: int(d["id"]))
        C.ok(got == norm, "n%d's store holds the master's %d %s items%s"
             % (i, len(norm), typ, "" if got == norm else
                ": master %s, node %s" % (json.dumps(norm), json.dumps(got))))
    return items


def check_firewall_live(C, items):
    verb = {"allow": "accept", "deny": "drop", "reject": "reject"}
    for i in sorted(NODES):
        table = sh("ip", "netns", "exec", "%s-%d" % (NSPREFIX, i), "nft",
                   "list", "table", "inet", "hostfleet")
        live = {}
        for line in table.splitlines():
            m = re.search(r'comment "hf-(\d+)', line)
            if m:
                live[m.group(1)] = line.strip()
        C.ok(sorted(live) == sorted(it["id"] for it in items),
             "n%d's live ruleset has exactly the master's rules (%s; live %s)"
             % (i, " ".join(sorted(it["id"] for it in items)),
                " ".join(sorted(live))))
        for it in items:
            line = live.get(it["id"], "")
            want = r"\b%s dport %s counter .* %s\b" % (it["proto"], it["port"],
                                                       verb[it["action"]])
            C.ok(re.search(want, line) is not None,
                 "n%d: rule %s (%s %s %s) is live as such: [%s]"
                 % (i, it["id"], it["action"], it["proto"], it["port"], line))


def check_cron_live(C, items):
    for i in sorted(NODES):
        try:
            with open("%s/n%d/root/etc/cron.d/hostfleet" % (WORK, i)) as f:
                text = f.read()
        except OSError:
            text = ""
        for it in items:
            line = "%s * * * * root %s" % (it["minute"], it["command"])
            has = line in text.splitlines()
            C.ok(has == (it["active"] == "on"),
                 "n%d: job %s (%s) %s in the cron file" % (
                     i, it["id"], it["active"], "is" if has else "is not"))
        ours = set(re.findall(r"chaos-c\d+", text))
        want = {it["command"].split()[-1] for it in items
                if it["active"] == "on"}
        C.ok(ours == want, "n%d: the cron file has no other job (%s)"
             % (i, " ".join(sorted(ours - want)) or "none"))


def http_code(i, host):
    return sh("curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w",
              "%{http_code}", "-H", "Host: " + host,
              "http://%s.%d/" % (NET, i)).strip()


def dig(i, *args):
    return sh("dig", "+time=2", "+tries=2", "@%s.%d" % (NET, i), *args)


def postmap_q(i, key, m):
    """Whether node i's Postfix map m has key: True, False or an error."""
    r = subprocess.run(["postmap", "-c", "%s/n%d/root/etc/postfix" % (WORK, i),
                        "-q", key, "hash:%s/n%d/root/etc/postfix/hostfleet/%s"
                        % (WORK, i, m)], capture_output=True, text=True)
    return {0: True, 1: False}.get(r.returncode, r.stderr.strip())


def check_userdata(C):
    users = {u["name"]: u for u in api_json("user")["elem"]}
    active = {}
    for u in USERS:
        active[u] = users[u]["active"] == "on"
        allowed("user " + u, {"active": active[u]}, C, "on the master")
    rows = dump(MSTATE, "uindex")
    C.ok(all(r["state"] == "live" for r in rows),
         "every row of the master's index is live: %s" %
         " ".join("%s=%s" % (r["name"], r["state"]) for r in rows))
    # every node's user data by kind: name -> (index, item)
    held = {k: {} for k in KIND_STORE}
    for i in sorted(NODES):
        for kind, skind in KIND_STORE.items():
            if KIND_ROLE[kind] not in NODES[i]["roles"]:
                continue
            for it in node_dump(i, "udata", skind):
                C.ok(it["name"] not in held[kind],
                     "%s %s is on one node only: n%d%s" % (
                         kind, it["name"], i, "" if it["name"] not in
                         held[kind] else " and n%d" % held[kind][it["name"]][0]))
                held[kind][it["name"]] = (i, it)
        for a in node_dump(i, "udata", "account"):
            if a["name"] in active:
                C.ok(a["active"] == active[a["name"]],
                     "n%d: account %s active=%s as on the master" % (
                         i, a["name"], a["active"]))
    idx = {}
    for r in rows:
        if r["kind"] in KIND_STORE:
            idx[(r["kind"], r["name"])] = r
    # the index and the nodes agree, row by row
    for (kind, name), r in sorted(idx.items()):
        h = held[kind].get(name)
        i = ID2IDX.get(r["node"])
        C.ok(h is not None and h[0] == i and h[1]["owner"] == r["owner"],
             "%s %s: the index says %s on n%s; the nodes say %s" % (
                 kind, name, r["owner"], i, "nothing" if h is None else
                 "%s on n%d" % (h[1]["owner"], h[0])))
    for kind in held:
        for name, (i, it) in sorted(held[kind].items()):
            C.ok((kind, name) in idx, "%s %s on n%d is in the master's index"
                 % (kind, name, i))
    # each object against the API's answers
    keys = {k for k in MODEL["poss"] if k.split()[0] in KIND_STORE}
    keys |= {"%s %s" % kn for kn in idx}
    keys |= {"%s %s" % (k, n) for k in held for n in held[k]}
    web_nodes = [i for i in NODES if "web" in NODES[i]["roles"]]
    dns_nodes = [i for i in NODES if "dns" in NODES[i]["roles"]]
    mail_nodes = [i for i in NODES if "mail" in NODES[i]["roles"]]
    for key in sorted(keys):
        kind, name = key.split(" ", 1)
        h = held[kind].get(name)
        it = h[1] if h else None
        if kind == "webdomain":
            actual = it and {"owner": it["owner"],
                             "log_access": it["log_access"]}
        elif kind == "domain":
            actual = it and {"owner": it["owner"], "txt": sorted(
                [r["name"], r["value"]] for r in it["records"]
                if r["type"] == "TXT")}
        else:
            actual = it and {"owner": it["owner"]}
        allowed(key, actual, C, "on the nodes")
        # live
        if kind == "webdomain":
            for i in web_nodes:
                code = http_code(i, name)
                want = "000" if h is None or h[0] != i else \
                    ("403" if active[it["owner"]] else "503")
                C.ok(code == want, "live: http://%s.%d/ Host: %s answers %s "
                     "(%s)" % (NET, i, name, code, want))
        elif kind == "domain":
            for i in dns_nodes:
                out = dig(i, name, "SOA")
                status = re.search(r"status: (\w+)", out)
                status = status.group(1) if status else "no answer"
                want = "NOERROR" if h is not None and h[0] == i else "REFUSED"
                C.ok(status == want, "live: dig @n%d %s SOA: %s (%s)" % (
                    i, name, status, want))
            if h is not None:
                for rname, value in actual["txt"]:
                    got = dig(h[0], "+short", rname, "TXT").split()
                    C.ok('"%s"' % value in got, "live: dig @n%d %s TXT has "
                         "%s: %s" % (h[0], rname, value, got))
        else:
            m = "vdomains" if kind == "emaildomain" else "vmailboxes"
            for i in mail_nodes:
                has = postmap_q(i, name, m)
                want = h is not None and h[0] == i and active[it["owner"]]
                C.ok(has is want, "live: n%d's postfix %s %s %s (%s)" % (
                    i, m, has if isinstance(has, str) else
                    "has" if has else "has not", name,
                    "wanted" if want else "unwanted"))


def check():
    global MODEL
    with open(WORK + "/chaos.json") as f:
        MODEL = json.load(f)
    C = Checker()
    for p in MODEL["problems"]:
        C.ok(False, p)
    fw = check_sysdata(C, "firewall", "fw", ["action", "proto", "port",
                                             "order", "comment"], NODES)
    check_firewall_live(C, fw)
    cron = check_sysdata(C, "scheduler", "cron", ["minute", "command",
                                                  "active", "comment"], NODES)
    check_cron_live(C, cron)
    check_userdata(C)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("run", "check"):
        sys.exit("usage: chaos.py run|check")
    run() if sys.argv[1] == "run" else check()
