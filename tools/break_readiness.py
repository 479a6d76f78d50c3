#!/usr/bin/env python3
"""tools/break_readiness.py [SEED] [ROUNDS]: try to break readiness against bin/ibsim, bin/ibpipe
and a private redis-server: account lists changing at every phase (duplicates, empty, 1-8
accounts), per-account delays released at random, kill -9 mid-sync.  Checks: every strategy start (the gate
opening) has every account's data; P:sync ready only when every P:accounts member has
NetLiquidation; after kill -9, P:sync gone within the TTL."""
import os, socket, subprocess, sys, tempfile, time, json, random, signal
W = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
D = tempfile.mkdtemp(prefix='syncbreak.')
viol = []

def ctl(port, cmd):
    s = socket.create_connection(('127.0.0.1', port)); s.sendall((cmd + '\n').encode('latin-1'))
    r = b''
    while not r.endswith(b'\n'):
        c = s.recv(4096)
        if not c: break
        r += c
    s.close(); return r.decode('latin-1').strip()

def rc(*a):
    return subprocess.run(['redis-cli', '-s', D + '/r.sock'] + list(a), capture_output=True, text=True).stdout.strip()

def free_port():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

def start_ib(port, prefix, log, slog):
    env = dict(os.environ, IB_STRATEGY_LOG=slog)
    return subprocess.Popen([W + '/bin/ibpipe', 'run', '--port', str(port), '--redis-url', 'unix:' + D + '/r.sock',
                             '--redis-prefix', prefix, '--state-dir', D, '--readonly', '--strategy', 'recorder',
                             '--reconnect-min-ms', '100', '--reconnect-max-ms', '300'],
                            stdout=open(log, 'a'), stderr=subprocess.STDOUT, env=env)

def check_ready(prefix, tag):
    """If P:sync is ready (and stays so around the check), every P:accounts member has data."""
    if rc('get', prefix + ':sync') != 'ready': return
    accts = rc('smembers', prefix + ':accounts').split()
    bad = [a for a in accts if not rc('hget', '%s:account:{%s}' % (prefix, a), 'NetLiquidation:USD')]
    if bad and rc('get', prefix + ':sync') == 'ready' and sorted(rc('smembers', prefix + ':accounts').split()) == sorted(accts):
        viol.append('%s: ready with no data for %s' % (tag, bad[:5]))

def check_starts(slog, tag):
    try:
        for line in open(slog + '.0'):
            if '"cb":"start"' in line:
                j = json.loads(line)
                for a in j['accounts']:
                    if a['values'] == 0 or a['NetLiquidation'] == '':
                        viol.append('%s: gate opened without data for %s' % (tag, a['id']))
    except FileNotFoundError:
        pass

subprocess.run(['redis-server', '--port', '0', '--unixsocket', D + '/r.sock', '--dir', D, '--save', '',
                '--daemonize', 'yes', '--pidfile', D + '/r.pid'], check=True, capture_output=True)
time.sleep(0.3)
sp, cp = free_port(), free_port()
sim = subprocess.Popen([W + '/bin/ibsim', '--port', str(sp), '--control-port', str(cp), '--accounts', 'DUA,DUB'],
                       stdout=open(D + '/sim.log', 'w'), stderr=subprocess.STDOUT)
time.sleep(0.5)
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
lists = ['DUA,DUB', 'DUC,DUB', 'DUA', 'DUA,DUA,DUB,DUB', '', 'DUD,DUE,DUF', 'DUA,DUB,DUC,DUD,DUE,DUF,DUG,DUH']
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 30
for rnd in range(rounds):
    prefix = 'b%d' % rnd
    log, slog = '%s/ib%d.log' % (D, rnd), '%s/s%d' % (D, rnd)
    ctl(cp, 'accounts DUA,DUB')
    for a in ['DUA', 'DUB', 'DUC', 'DUD', 'DUE']:
        ctl(cp, 'account-delay-one %s %d' % (a, random.choice([0, 0, 50, 200, 1000])))
    ib = start_ib(sp, prefix, log, slog)
    t_end = time.time() + random.uniform(1.0, 4.0)
    while time.time() < t_end:
        time.sleep(random.uniform(0.0, 0.3))
        lst = random.choice(lists)
        ctl(cp, 'accounts ' + lst if lst else 'accounts-hex 2c')   # "," = an empty list
        check_ready(prefix, 'round %d after %r' % (rnd, lst))
        if random.random() < 0.2:
            ctl(cp, 'account-delay-one %s 0' % random.choice(['DUA', 'DUB', 'DUC', 'DUD', 'DUE', 'DUF', 'DUG', 'DUH']))
    ctl(cp, 'accounts DUA,DUB,DUC')
    for a in ['DUA', 'DUB', 'DUC']:
        ctl(cp, 'account-delay-one %s 0' % a)
    deadline = time.time() + 15
    while rc('get', prefix + ':sync') != 'ready' and time.time() < deadline:
        time.sleep(0.05)
    if rc('get', prefix + ':sync') != 'ready':
        viol.append('round %d: not ready 15 s after a final good list' % rnd)
    check_ready(prefix, 'round %d final' % rnd)
    if rnd % 3 == 2:
        # kill -9 mid-sync: list a slow account, kill, ready must vanish within the TTL
        ctl(cp, 'account-delay-one DUZ 600000'); ctl(cp, 'accounts DUA,DUZ')
        time.sleep(0.3)
        ib.send_signal(signal.SIGKILL); ib.wait()
        t0 = time.time()
        while rc('exists', prefix + ':sync') != '0' and time.time() - t0 < 10:
            time.sleep(0.1)
        if rc('exists', prefix + ':sync') != '0':
            viol.append('round %d: P:sync outlived kill -9 by 10 s' % rnd)
    else:
        ib.send_signal(signal.SIGTERM)
        if ib.wait(timeout=10) != 0:
            viol.append('round %d: ibpipe exit %d' % (rnd, ib.returncode))
    check_starts(slog, 'round %d' % rnd)
starts = sum(open(f).read().count('"cb":"start"') for f in [os.path.join(D, x) for x in os.listdir(D)] if f.endswith('.0'))
changes = sum(open(f).read().count('managed accounts changed:') for f in [os.path.join(D, x) for x in os.listdir(D)] if '/ib' in f)
print('rounds %d, gate openings %d, list changes seen %d, violations %d' % (rounds, starts, changes, len(viol)))
for v in viol[:20]: print('  ', v)
sim.terminate(); sim.wait()
rc('shutdown', 'nosave')
if not viol: subprocess.run(['rm', '-rf', D])
else: print('kept', D)
sys.exit(1 if viol else 0)
