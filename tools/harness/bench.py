#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a 'make bench' guest run into its table.

Reads the "BENCH key value" lines the guest printed (tests/xe_svm/
xe_svm_bench.c and guest/bench.sh) and prints every throughput with its
ratio to the in-guest memcpy bandwidth and to the kernel's reference
device-private migration path (hmm-tests benchmark_thp_migration on
lib/test_hmm) measured in the same run, the fault latency percentiles,
and the issue's targets with where we stand. Absolute numbers are only
meaningful inside one run (TCG is two orders of magnitude slower than
hardware); the ratios are the result. Exits non-zero if a measurement is
missing or the guest reported an error.
"""

import sys


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: bench.py RESULTS_LOG')
    vals, errors = {}, []
    with open(sys.argv[1], errors='replace') as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[0] != 'BENCH':
                continue
            if parts[1] == 'error':
                errors.append(' '.join(parts[2:]))
                continue
            try:
                vals[parts[1]] = float(parts[2])
            except ValueError:
                errors.append(line.strip())

    need = ['memcpy_gbs', 'hmm_thp_s2d_gbs', 'hmm_thp_d2s_gbs',
            'hmm_4k_s2d_gbs', 'hmm_4k_d2s_gbs',
            '2M_gpu_fault_gbs', '2M_cpu_fault_gbs',
            '64K_gpu_fault_gbs', '64K_cpu_fault_gbs',
            'evict_gbs', 'stream_fault_s', 'stream_prefetch_s',
            '4K_idle_p99_us', '4K_evicting_p99_us']
    missing = [k for k in need if vals.get(k, 0) <= 0]
    for e in errors:
        print(f'error: {e}')
    if missing:
        print('missing measurements: ' + ' '.join(missing))
        sys.exit(1)

    mc = vals['memcpy_gbs']
    rows = [
        ('memcpy (reference)', mc, None),
        ('test_hmm THP sys->dev (reference)', vals['hmm_thp_s2d_gbs'], 's2d'),
        ('test_hmm THP dev->sys (reference)', vals['hmm_thp_d2s_gbs'], 'd2s'),
        ('test_hmm 4K sys->dev', vals['hmm_4k_s2d_gbs'], 's2d'),
        ('test_hmm 4K dev->sys', vals['hmm_4k_d2s_gbs'], 'd2s'),
        ('xe-svm 2M GPU fault -> VRAM', vals['2M_gpu_fault_gbs'], 's2d'),
        ('xe-svm 2M CPU fault -> RAM', vals['2M_cpu_fault_gbs'], 'd2s'),
        ('xe-svm 64K GPU fault -> VRAM', vals['64K_gpu_fault_gbs'], 's2d'),
        ('xe-svm 64K CPU fault -> RAM', vals['64K_cpu_fault_gbs'], 'd2s'),
    ]
    if '4K_gpu_fault_gbs' in vals:
        rows.append(('xe-svm 4K GPU fault (maps RAM)',
                     vals['4K_gpu_fault_gbs'], None))
    rows.append(('xe-svm eviction VRAM -> RAM', vals['evict_gbs'], 'd2s'))
    ref = {'s2d': vals['hmm_thp_s2d_gbs'], 'd2s': vals['hmm_thp_d2s_gbs']}

    print(f'{"throughput":38} {"GB/s":>9} {"x memcpy":>9} {"x test_hmm THP":>15}')
    for name, v, d in rows:
        r = f'{v / ref[d]:15.2f}' if d else f'{"":15}'
        print(f'{name:38} {v:9.4f} {v / mc:9.2f} {r}')

    print()
    print(f'{"GPU fault service (vxe histogram)":38} {"faults":>9} {"p50 us":>9} {"p99 us":>9}')
    for s in ('2M', '64K', '4K'):
        n = vals.get(f'{s}_faults', 0)
        if n:
            print(f'{s + " ranges":38} {n:9.0f} {vals[s + "_fault_p50_us"]:9.0f}'
                  f' {vals[s + "_fault_p99_us"]:9.0f}')
    for k, name in (('idle', '4K ranges, idle'),
                    ('evicting', '4K ranges, another VM evicting')):
        print(f'{name:38} {vals.get(f"4K_{k}_faults", 0):9.0f} {"":>9}'
              f' {vals[f"4K_{k}_p99_us"]:9.0f}')
    print('(percentiles are histogram bucket bounds: true value within 25 % below)')

    vr = vals.get('evict_vram_bytes', 0) / 2**20
    print()
    print(f'streaming twice a {vr:.0f} MiB VRAM, {vals.get("evict_bytes", 0) / 2**20:.0f} MiB evicted:'
          f' GPU faults {vals["stream_fault_s"]:.3f} s,'
          f' explicit PREFETCH schedule {vals["stream_prefetch_s"]:.3f} s')

    m2, m64 = vals['2M_gpu_fault_gbs'], vals['64K_gpu_fault_gbs']
    targets = [
        ('2M migration >= 60 % of memcpy', m2 / mc, 0.60),
        ('2M path >= 4x the 64K path per byte', m2 / m64, 4.0),
        ('2M path >= 90 % of test_hmm THP', m2 / vals['hmm_thp_s2d_gbs'], 0.90),
        ('streaming <= 2.5x explicit PREFETCH time',
         vals['stream_fault_s'] / vals['stream_prefetch_s'], -2.5),
        ('4K fault p99 evicting <= 2x idle',
         vals['4K_evicting_p99_us'] / vals['4K_idle_p99_us'], -2.0),
    ]
    print()
    # A negative target is an upper bound.
    for name, got, want in targets:
        met = got <= -want if want < 0 else got >= want
        print(f'target: {name:40} measured {got:6.2f}  '
              f'{"met" if met else "NOT met"}')
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
