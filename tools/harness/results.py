#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a guest run into a verdict.

Reads the guest's results stream (KTAP/TAP sections between '@@@' markers),
the guest console (the kernel log), the suite list the guest ran, the
known failures, the expected skips and the kernel-log allow-list. Prints
per-group totals, every failure and skip with its reason, every kernel-log
report (WARN, BUG, Oops, KASAN, lockdep, hung task, ...) and every
error-level kernel message with the test that was running, and ends with
the line 'N passed, N failed, N skipped'. Exits non-zero on any failure.

A run passes only if it tested what the suite list says. Failing:
 - any skip that tests/expected-skips does not list (with the reason the
   test must give), XFAIL and TODO results included: they are not passes;
 - a suite entry that produced no section, or whose results are all
   skips; a KUnit module that registered no suite;
 - a KTAP/TAP plan, at any nesting level, that does not match the results
   under it, an unterminated subtest, a 'Bail out!';
 - a program's exit status other than 0 (4: all skipped, judged by the
   skips themselves);
 - a crash report on the console, an error-level kernel message (from the
   guest's /dev/kmsg capture) that the allow-list does not name, or a
   capture that stopped early.
"""

import argparse
import fnmatch
import re
import sys

RESULT = re.compile(r'^(\s*)(ok|not ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*(?:#\s*(.*))?$')
HEADER = re.compile(r'^(\s*)(?:KTAP|TAP) version \d+')
SUBTEST = re.compile(r'^(\s*)# Subtest: (.*)$')
BAIL = re.compile(r'^\s*Bail out!\s*(.*)$')

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
LEVELS = ['emerg', 'alert', 'crit', 'err']


class Node:
    def __init__(self, indent, ok, name, directive, diag):
        self.indent, self.ok, self.name = indent, ok, name
        self.directive = (directive or '').strip()
        self.diag = diag
        self.children = []


class Frame:
    """One (sub)test's list of results at one indentation."""

    def __init__(self, indent, name=''):
        self.indent, self.name = indent, name
        self.plan = None
        self.nodes = []


def indent_of(s):
    return len(s.expandtabs())


def parse_tap(lines):
    """Return (leaves, problems): leaves as (path, status, reason).

    Nested KTAP (KUnit suites, parameterised cases) and flat TAP (kselftest,
    our programs, run-igt.sh) alike; every plan is checked against the
    results at its level.
    """
    stack, problems, diag = [Frame(0)], [], []

    def close(frame):
        where = frame.name or 'top level'
        if frame.plan is not None and frame.plan != len(frame.nodes):
            problems.append('%s: planned %d results, got %d' % (
                where, frame.plan, len(frame.nodes)))

    for line in lines:
        m = BAIL.match(line)
        if m:
            problems.append('bailed out: ' + (m.group(1).strip() or 'no reason given'))
            continue
        m = HEADER.match(line)
        if m:
            ind = indent_of(m.group(1))
            if ind > stack[-1].indent:
                stack.append(Frame(ind))
            continue
        m = SUBTEST.match(line)
        if m:
            ind, name = indent_of(m.group(1)), m.group(2).strip()
            if ind > stack[-1].indent:
                stack.append(Frame(ind, name))
            elif ind == stack[-1].indent and not stack[-1].nodes:
                stack[-1].name = name
            continue
        m = PLAN.match(line)
        if m:
            ind, n = indent_of(m.group(1)), int(m.group(2))
            skip_all = m.group(3) and m.group(3).upper().startswith('SKIP')
            while ind < stack[-1].indent:
                f = stack.pop()
                problems.append('%s: subtest not terminated' % (f.name or 'subtest'))
            if ind > stack[-1].indent:
                stack.append(Frame(ind))
            f = stack[-1]
            if skip_all:
                # A program that skipped as a whole: one skip, with its reason.
                f.nodes.append(Node(ind, True, '(all)', m.group(3), diag))
                diag = []
            elif f.plan is None:
                f.plan = n
            else:
                problems.append('%s: second plan 1..%d' % (f.name or 'top level', n))
            continue
        m = RESULT.match(line)
        if m:
            ind = indent_of(m.group(1))
            node = Node(ind, m.group(2) == 'ok', m.group(4), m.group(5), diag)
            diag = []
            while stack[-1].indent > ind:
                f = stack.pop()
                close(f)
                node.children = f.nodes + node.children
            if stack[-1].indent < ind:
                stack.append(Frame(ind))
            stack[-1].nodes.append(node)
            continue
        d = line.strip()
        if d.startswith('#'):
            diag.append(d.lstrip('# '))
    while len(stack) > 1:
        f = stack.pop()
        problems.append('%s: subtest not terminated (output cut short?)' % (
            f.name or 'subtest'))
        stack[-1].nodes.extend(f.nodes)
    close(stack[0])

    leaves = []

    def walk(n, prefix):
        path = prefix + (n.name or '?')
        if n.children:
            for c in n.children:
                walk(c, path + '/')
            if not n.ok and all(c.ok for c in n.children):
                leaves.append((path, 'fail', 'parent failed: ' + n.directive))
            return
        d, du = n.directive, n.directive.upper()
        if du.startswith('SKIP'):
            leaves.append((path, 'skip', d[4:].strip() or 'skipped'))
        elif du.startswith('XFAIL') or du.startswith('TODO'):
            # Not a pass: an expected failure must be listed like a skip.
            leaves.append((path, 'skip', d))
        elif n.ok:
            leaves.append((path, 'pass', ''))
        else:
            why = [x for x in n.diag if 'FAIL' in x.upper() or 'expected' in x] or n.diag
            leaves.append((path, 'fail', d or ' | '.join(why[-4:]) or 'not ok'))
    for n in stack[0].nodes:
        walk(n, '')
    return leaves, problems


def read_list(path, fields):
    """Lines of 'a | b | c' (or 'KEY REASON' for fields == 2); '#' comments."""
    out = []
    if not path:
        return out
    with open(path) as f:
        for num, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            if fields == 2:
                key, _, reason = line.partition(' ')
                out.append((num, key, reason.strip()))
                continue
            parts = [p.strip() for p in line.split(' | ')]
            if len(parts) != fields or not all(parts):
                sys.exit('%s:%d: want %d fields separated by " | "' % (path, num, fields))
            out.append(tuple([num] + parts))
    return out


def read_suite(path):
    """The suite list's entries: (kind, name)."""
    entries = []
    if not path:
        return entries
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts and not parts[0].startswith('#') and parts[0] in ('kunit', 'kselftest'):
                entries.append((parts[0], parts[1]))
    return entries


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


def scan_kmsg(records, allow):
    """Error-level kernel messages from the guest's /dev/kmsg capture.

    @records: '<prio>,<seq>,<usec>,<flags>;<text>' lines (kernel facility
    messages of level err or worse, and the harness's own BEGIN/END
    markers, which userspace writes and so carry the user facility).
    Return (errors, allowed): errors as (test, level, text); allowed
    counts matches per allow-list entry.
    """
    errors, allowed, current = [], {}, 'boot'
    for rec in records:
        head, sep, text = rec.partition(';')
        fields = head.split(',')
        if not sep or len(fields) < 2 or not fields[0].isdigit():
            continue
        prio = int(fields[0])
        text = text.replace('\\x0a', ' ').strip()
        m = MARK.search(text)
        if m and prio >> 3:
            current = m.group(2) if m.group(1) == 'BEGIN' else 'between tests'
            continue
        if prio >> 3 or prio & 7 > 3:
            continue
        for entry in allow:
            num, group, rx, _ = entry
            if fnmatch.fnmatchcase(current, group) and re.search(rx, text):
                allowed[num] = allowed.get(num, 0) + 1
                break
        else:
            errors.append((current, LEVELS[prio & 7], text))
    return errors, allowed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('results')
    ap.add_argument('console')
    ap.add_argument('--known', help='known failures list')
    ap.add_argument('--skips', help='expected skips list')
    ap.add_argument('--kmsg-allow', help='error-level kernel messages allowed')
    ap.add_argument('--suite', help='the suite list the guest ran')
    ap.add_argument('--verbose', action='store_true')
    ap.add_argument('--fail', action='append', default=[],
                    help='a failure found outside the guest (counted)')
    args = ap.parse_args()

    known = {k: r for _, k, r in read_list(args.known, 2)}
    skips = read_list(args.skips, 3)
    allow = read_list(args.kmsg_allow, 3)
    suite = read_suite(args.suite)
    try:
        text = open(args.results, errors='replace').read().splitlines()
    except FileNotFoundError:
        text = ['@@@ ERROR the guest produced no results (did it boot?)']
    passed, failed, skipped, notes = [], [], [], []
    groups, section, body, done, config = {}, None, [], False, []
    sections = set()
    mode = None
    boot = uptime_end = None
    kmsg, kmsg_seen, kmsg_complete = [], False, False
    skip_used = {}
    times, running = {}, None

    def expected_skip(tid, reason):
        for num, pattern, rx, _ in skips:
            if fnmatch.fnmatchcase(tid, pattern):
                if re.search(rx, reason):
                    skip_used[num] = skip_used.get(num, 0) + 1
                    return True
                return False
        return False

    for line in text:
        line = line.rstrip('\r')
        if line.startswith('@@@ '):
            if line.startswith('@@@ BEGIN '):
                section, body = line[10:].strip(), []
                mode = 'section'
                continue
            if line.startswith('@@@ END '):
                if mode == 'section' and section is not None:
                    kind, _, name = section.partition(' ')
                    if kind in ('kunit', 'kselftest'):
                        handle_section(kind, name, body, line, known, groups,
                                       passed, failed, skipped, sections,
                                       expected_skip)
                elif mode == 'kmsg':
                    kmsg_complete = line.split()[3:4] == ['complete']
                section, mode = None, None
                continue
            if line.startswith('@@@ CONFIG'):
                mode = 'config'
            elif line.startswith('@@@ KMSG'):
                mode, kmsg_seen = 'kmsg', True
            elif line.startswith('@@@ GUEST '):
                boot = float(line.split()[-1])
            elif line.startswith('@@@ START '):
                running = line.split()[2]
            elif line.startswith('@@@ TIME '):
                fields = line.split()
                times[fields[2]] = int(fields[3])
                running = None
            elif line.startswith('@@@ UPTIME '):
                uptime_end = float(line.split()[-1])
            elif line.startswith('@@@ ERROR '):
                failed.append(('guest', line[10:]))
            elif line.startswith('@@@ DONE'):
                done = True
            continue
        if mode == 'config':
            config.append(line.strip())
        elif mode == 'kmsg':
            kmsg.append(line)
        elif mode == 'section':
            body.append(line)

    # A section the guest never closed (it was stopped in it): count what
    # it printed, so that the verdict shows how far it got.
    if mode == 'section' and section is not None:
        kind, _, name = section.partition(' ')
        if kind in ('kunit', 'kselftest'):
            handle_section(kind, name, body, '', known, groups, passed, failed,
                           skipped, sections, expected_skip)
            failed.append((name, 'cut off after %d lines of output' % len(body)))

    # What the suite list asked for must have run.
    for kind, name in suite:
        if kind == 'kunit' and not any(s.startswith('kunit %s/' % name) for s in sections):
            failed.append(('kunit/' + name, 'the module registered no KUnit suite'))
        elif kind == 'kselftest' and 'kselftest ' + name not in sections:
            failed.append((name, 'the suite entry produced no results section'))
    for g, (p, f, s) in groups.items():
        if s and not p and not f:
            failed.append((g, 'every result of the group is a skip'))

    # Known failures excluded from the run are reported, never dropped.
    seen = {t for t, _ in passed + failed + skipped}
    for tid, reason in known.items():
        if tid not in seen and tid.split('/')[0] in groups:
            skipped.append((tid, 'not run, known failure: ' + reason))
            groups[tid.split('/')[0]][2] += 1
        elif any(t == tid for t, _ in passed):
            notes.append('known failure %s passed; drop it from the list' % tid)
    # An expected skip that no longer happens is a stale entry.
    for num, pattern, rx, _ in skips:
        if pattern.split('/')[0] in groups and not skip_used.get(num):
            failed.append(('expected-skips', 'entry %d (%s) matched no skip: drop or fix it'
                           % (num, pattern)))

    for why in args.fail:
        failed.append(('host', why))
    if not done:
        failed.append(('guest', 'did not finish the suite (crash, hang or timeout)%s'
                       % ('' if running is None else ', stopped in ' + running)))

    reports = scan_kernel_log(args.console)
    for kind, test, first, excerpt in reports:
        failed.append(('kernel log during ' + test,
                       first if first.startswith(kind) else '%s: %s' % (kind, first)))
    kerrors = []
    if args.kmsg_allow is not None and done:
        if not kmsg_seen:
            failed.append(('guest', 'no kernel message capture (/dev/kmsg) in the results'))
        elif not kmsg_complete:
            failed.append(('guest', 'the /dev/kmsg capture stopped before the suite ended '
                           '(ring buffer overrun?): error-level messages may be missing'))
        kerrors, allowed = scan_kmsg(kmsg, allow)
        for test, level, msg in kerrors:
            failed.append(('kernel log during ' + test, '%s-level message: %s' % (level, msg)))
        for num, group, rx, _ in allow:
            if not allowed.get(num):
                notes.append('kernel-log allow-list entry %d (%s) matched nothing' % (num, rx))

    if boot is not None:
        print('guest: booted in %.1fs (guest clock)%s' % (
            boot, '' if uptime_end is None else ', suite ran %.1fs' % (uptime_end - boot)))
    if config:
        print('guest kernel config: ' + ' '.join(c.replace('CONFIG_', '') for c in config))
    for g, (p, f, s) in groups.items():
        print('group %-36s %4d passed, %d failed, %d skipped%s' % (
            g, p, f, s, '' if g not in times else ', %d s' % times[g]))
    reasons = {}
    for tid, reason in skipped:
        reasons.setdefault(reason, []).append(tid)
    for reason, tids in reasons.items():
        print('skipped %d: %s (e.g. %s)' % (len(tids), reason, tids[0]))
    for n in notes:
        print('note: ' + n)
    if args.verbose:
        for tid, _ in passed:
            print('PASS ' + tid)
    for tid, reason in failed:
        print('FAIL %s: %s' % (tid, reason))
    for kind, test, first, excerpt in reports:
        print('---- kernel %s report during %s ----\n%s\n----' % (kind, test, excerpt))
    print('%d passed, %d failed, %d skipped' % (len(passed), len(failed), len(skipped)))
    return 1 if failed or not passed else 0


def handle_section(kind, name, body, end_line, known, groups, passed, failed,
                   skipped, sections, expected_skip):
    """Count one '@@@ BEGIN kind name' ... '@@@ END' section."""
    sections.add('%s %s' % (kind, name))
    group = name.split('/')[0]
    leaves, problems = parse_tap(body)
    g = groups.setdefault(group, [0, 0, 0])
    if not leaves:
        problems.append('no results')
    rc = re.search(r'rc=(\d+)', end_line)
    if kind == 'kselftest' and rc and rc.group(1) not in ('0', '4'):
        problems.append('exited with status ' + rc.group(1))
    for path, status, reason in leaves:
        tid = group + '/' + path
        if status == 'fail' and tid in known:
            status, reason = 'skip', 'known failure: ' + known[tid]
        elif status == 'skip' and not expected_skip(tid, reason):
            status, reason = 'fail', 'unexpected skip: ' + reason
        bucket = {'pass': passed, 'fail': failed, 'skip': skipped}[status]
        bucket.append((tid, reason))
        g[{'pass': 0, 'fail': 1, 'skip': 2}[status]] += 1
    for p in problems:
        failed.append((name, p))
        g[1] += 1


if __name__ == '__main__':
    sys.exit(main())
