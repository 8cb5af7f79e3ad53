#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a guest run into a verdict.

Reads the guest's results stream (KTAP/TAP sections between '@@@' markers),
the guest console (the kernel log), and the list of known failures. Prints
per-group totals, every failure and skip with its reason, every kernel-log
report (WARN, BUG, Oops, KASAN, lockdep, hung task, ...) with the test that
was running, and ends with the line 'N passed, N failed, N skipped'. Exits
non-zero on any failure.
"""

import argparse
import re
import sys

RESULT = re.compile(r'^(\s*)(ok|not ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
SKIP_ALL = re.compile(r'^\s*1\.\.0\s*#\s*SKIP\s*(.*)$', re.I)

# Kernel log lines that start a report; any of them fails the run.
REPORTS = [
    (re.compile(r'WARNING: '), 'WARNING'),
    (re.compile(r'BUG: KASAN'), 'KASAN'),
    (re.compile(r'BUG: '), 'BUG'),
    (re.compile(r'kernel BUG at'), 'BUG'),
    (re.compile(r'Oops'), 'Oops'),
    (re.compile(r'general protection fault'), 'GPF'),
    (re.compile(r'INFO: task .* blocked for more than'), 'hung task'),
    (re.compile(r'INFO: (possible|inconsistent|lockdep|trying to register|suspicious)'), 'lockdep'),
    (re.compile(r'rcu: INFO: .*stall'), 'RCU stall'),
    (re.compile(r'Kernel panic'), 'panic'),
    (re.compile(r'UBSAN:'), 'UBSAN'),
    (re.compile(r'unreferenced object 0x'), 'kmemleak'),
    (re.compile(r'list_(add|del) corruption'), 'list corruption'),
    (re.compile(r'ODEBUG: '), 'debugobjects'),
    (re.compile(r'Call Trace:'), 'stack dump'),
]
MARK = re.compile(r'svm-harness: (BEGIN|END) (\S+)')
TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')


class Node:
    def __init__(self, indent, ok, name, directive):
        self.indent, self.ok, self.name = indent, ok, name
        self.directive = (directive or '').strip()
        self.children = []


def parse_tap(lines):
    """Return (leaves, problems): leaves as (path, status, reason)."""
    pending, plans, problems, diag = [], {}, [], []
    for line in lines:
        m = RESULT.match(line)
        if m:
            indent = len(m.group(1).expandtabs())
            node = Node(indent, m.group(2) == 'ok', m.group(4), m.group(5))
            node.diag, diag = diag, []
            while pending and pending[-1].indent > indent:
                node.children.insert(0, pending.pop())
            pending.append(node)
            continue
        m = SKIP_ALL.match(line)
        if m:
            # A program that skipped as a whole: one skip, with its reason.
            pending.append(Node(0, True, '(all)', 'SKIP ' + m.group(1)))
            continue
        m = PLAN.match(line)
        if m:
            plans.setdefault(len(m.group(1).expandtabs()), int(m.group(2)))
            continue
        d = line.strip()
        if d.startswith('#') and not d.startswith('# Subtest'):
            diag.append(d.lstrip('# '))
    top = [n for n in pending if n.indent == min(p.indent for p in pending)] if pending else []
    if plans and top:
        want = plans.get(top[0].indent)
        if want is not None and want != len(top):
            problems.append('planned %d results, got %d' % (want, len(top)))
    leaves = []

    def walk(n, prefix):
        path = prefix + n.name
        if n.children:
            for c in n.children:
                walk(c, path + '/')
            if not n.ok and all(c.ok for c in n.children):
                leaves.append((path, 'fail', 'parent failed: ' + n.directive))
            return
        d = n.directive
        if d.upper().startswith('SKIP'):
            leaves.append((path, 'skip', d[4:].strip() or 'skipped'))
        elif d.upper().startswith('XFAIL') or n.ok:
            leaves.append((path, 'pass', ''))
        else:
            why = [x for x in n.diag if 'FAIL' in x.upper() or 'expected' in x] or n.diag
            leaves.append((path, 'fail', d or ' | '.join(why[-4:])))
    for n in pending:
        walk(n, '')
    return leaves, problems


def read_known(path):
    known = {}
    if not path:
        return known
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            key, _, reason = line.partition(' ')
            known[key] = reason.strip()
    return known


def scan_kernel_log(path, context=30):
    """Return a list of (kind, test, first line, excerpt)."""
    try:
        lines = open(path, errors='replace').read().splitlines()
    except FileNotFoundError:
        return [('missing', '-', 'no console log', '')]
    reports, current, skip_until = [], 'boot', -1
    for i, raw in enumerate(lines):
        line = TS.sub('', raw)
        m = MARK.search(line)
        if m:
            current = m.group(2) if m.group(1) == 'BEGIN' else 'between tests'
            continue
        if i <= skip_until:
            continue
        for rx, kind in REPORTS:
            if rx.search(line):
                excerpt = '\n'.join(lines[i:i + context])
                reports.append((kind, current, line.strip(), excerpt))
                # One report per splat: the rest of it is its excerpt.
                skip_until = i + context - 1
                break
    return reports


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('results')
    ap.add_argument('console')
    ap.add_argument('--known', help='known failures list')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--fail', action='append', default=[],
                    help='a failure found outside the guest (counted)')
    args = ap.parse_args()

    known = read_known(args.known)
    try:
        text = open(args.results, errors='replace').read().splitlines()
    except FileNotFoundError:
        text = ['@@@ ERROR the guest produced no results (did it boot?)']
    passed, failed, skipped = [], [], []
    groups, section, body, done, config = {}, None, [], False, []
    in_config = False
    boot = uptime_end = None

    for line in text:
        line = line.rstrip('\r')
        if line.startswith('@@@ CONFIG'):
            in_config = True
            continue
        if line.startswith('@@@ END CONFIG'):
            in_config = False
            continue
        if line.startswith('@@@ BEGIN '):
            section, body = line[10:].strip(), []
            continue
        if line.startswith('@@@ END '):
            if section is None:
                continue
            kind, _, name = section.partition(' ')
            rc = re.search(r'rc=(\d+)', line)
            if kind in ('kunit', 'kselftest'):
                leaves, problems = parse_tap(body)
                g = groups.setdefault(name.split('/')[0], [0, 0, 0])
                if not leaves:
                    problems.append('no results')
                if kind == 'kselftest' and rc and rc.group(1) not in ('0', '4'):
                    problems.append('exited with status ' + rc.group(1))
                for path, status, reason in leaves:
                    tid = name.split('/')[0] + '/' + path
                    if status == 'fail' and tid in known:
                        status, reason = 'skip', 'known failure: ' + known[tid]
                    bucket = {'pass': passed, 'fail': failed, 'skip': skipped}[status]
                    bucket.append((tid, reason))
                    g[{'pass': 0, 'fail': 1, 'skip': 2}[status]] += 1
                for p in problems:
                    failed.append((name, p))
                    g[1] += 1
            section = None
            continue
        if line.startswith('@@@ GUEST '):
            boot = float(line.split()[-1])
        elif line.startswith('@@@ UPTIME '):
            uptime_end = float(line.split()[-1])
        elif line.startswith('@@@ ERROR '):
            failed.append(('guest', line[10:]))
        elif line.startswith('@@@ DONE'):
            done = True
        elif in_config:
            config.append(line.strip())
        elif section is not None:
            body.append(line)

    # Known failures excluded from the run are reported, never dropped.
    seen = {t for t, _ in passed + failed + skipped}
    for tid, reason in known.items():
        if tid not in seen and tid.split('/')[0] in groups:
            skipped.append((tid, 'not run, known failure: ' + reason))
            groups[tid.split('/')[0]][2] += 1
        elif any(t == tid for t, _ in passed):
            print('note: known failure %s passed; drop it from the list' % tid)

    for why in args.fail:
        failed.append(('host', why))
    if not done:
        failed.append(('guest', 'did not finish the suite (crash, hang or timeout)'))

    reports = scan_kernel_log(args.console)
    for kind, test, first, excerpt in reports:
        failed.append(('kernel log during ' + test,
                       first if first.startswith(kind) else '%s: %s' % (kind, first)))

    if boot is not None:
        print('guest: booted in %.1fs (guest clock)%s' % (
            boot, '' if uptime_end is None else ', suite ran %.1fs' % (uptime_end - boot)))
    if config:
        print('guest kernel config: ' + ' '.join(c.replace('CONFIG_', '') for c in config))
    for g, (p, f, s) in groups.items():
        print('group %-24s %4d passed, %d failed, %d skipped' % (g, p, f, s))
    reasons = {}
    for tid, reason in skipped:
        reasons.setdefault(reason, []).append(tid)
    for reason, tids in reasons.items():
        print('skipped %d: %s (e.g. %s)' % (len(tids), reason, tids[0]))
    if args.verbose:
        for tid, _ in passed:
            print('PASS ' + tid)
    for tid, reason in failed:
        print('FAIL %s: %s' % (tid, reason))
    for kind, test, first, excerpt in reports:
        print('---- kernel %s report during %s ----\n%s\n----' % (kind, test, excerpt))
    print('%d passed, %d failed, %d skipped' % (len(passed), len(failed), len(skipped)))
    return 1 if failed or not passed else 0


if __name__ == '__main__':
    sys.exit(main())
