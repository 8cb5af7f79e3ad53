#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a 'make bench' guest run into its table.

Reads the "BENCH key value" lines the guest printed (tests/xe_svm/
xe_svm_bench.c and guest/bench.sh) and prints every throughput in GB/s
of 1e9 bytes a second (hmm-tests prints GiB/s, 2^30 bytes, under the
name GB/s: its figures are recomputed from its buffer size and times,
and checked against what it printed), each with its ratio to:

  - the copy engine (the reference): vxe's own copy routines timed alone
    in the kernel (debugfs copy_engine), 2 MiB or 64 KiB transfers, RAM
    to VRAM for the GPU-fault migration paths, VRAM to RAM for the
    CPU-fault and eviction paths. What a path loses against it is its
    software overhead;
  - the in-guest userspace memcpy bandwidth, for comparison;
  - the kernel's reference device-private migration path (hmm-tests
    benchmark_thp_migration on lib/test_hmm), measured in the same run.

Then the fault latency percentiles, the eviction figures and the
design's targets with the reference each is measured against and where
we stand. Absolute numbers are only meaningful inside one run (TCG is two
orders of magnitude slower than hardware); the ratios are the result.
Exits non-zero if a measurement is missing or inconsistent or the guest
reported an error (xe_svm_bench's checks print "BENCH error" lines: a
pass that did not move what it is timed as moving, a PREFETCH that did
not prefetch, an evicting-p99 window with no eviction in it, ...). A
target not met is reported, not an error.
"""

import sys

GIB = 2 ** 30


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

    need = ['memcpy_gbs',
            'copy_2M_to_vram_gbs', 'copy_2M_to_ram_gbs',
            'copy_64K_to_vram_gbs', 'copy_64K_to_ram_gbs',
            'hmm_bytes',
            'hmm_thp_s2d_ms', 'hmm_thp_d2s_ms', 'hmm_4k_s2d_ms', 'hmm_4k_d2s_ms',
            'hmm_thp_s2d_gibs', 'hmm_thp_d2s_gibs',
            'hmm_4k_s2d_gibs', 'hmm_4k_d2s_gibs',
            '2M_gpu_fault_gbs', '2M_cpu_fault_gbs',
            '64K_gpu_fault_gbs', '64K_cpu_fault_gbs',
            'evict_vram_bytes', 'evict_bytes', 'evict_chunks', 'evict_gbs',
            'stream_fault_bytes', 'stream_fault_s',
            'stream_prefetch_bytes', 'stream_prefetch_s',
            '4K_idle_faults', '4K_idle_p99_us',
            '4K_evicting_passes', '4K_evicting_passes_tried',
            '4K_evicting_chunks_evicted', '4K_evicting_faults',
            '4K_evicting_p99_us']
    missing = [k for k in need if vals.get(k, 0) <= 0]
    for e in errors:
        print(f'error: {e}')
    if missing:
        print('missing measurements: ' + ' '.join(missing))
        sys.exit(1)

    # hmm-tests: GB/s (1e9) from its buffer size and average times; what
    # it printed (GiB/s, two decimals) must agree.
    bad, hmm = [], {}
    for k in ('thp_s2d', 'thp_d2s', '4k_s2d', '4k_d2s'):
        sec = vals[f'hmm_{k}_ms'] / 1e3
        hmm[k] = vals['hmm_bytes'] / sec / 1e9
        gib = vals['hmm_bytes'] / GIB / sec
        if abs(gib - vals[f'hmm_{k}_gibs']) > 0.0051 + gib * 1e-3:
            bad.append(f'hmm-tests {k}: {vals["hmm_bytes"]:.0f} bytes in'
                          f' {sec * 1e3:.3f} ms is {gib:.4f} GiB/s, it printed'
                          f' {vals[f"hmm_{k}_gibs"]:.2f}')
    if vals['stream_fault_bytes'] != vals['stream_prefetch_bytes']:
        bad.append(f'streaming moved {vals["stream_fault_bytes"]:.0f} bytes'
                      f' into VRAM by GPU faults, {vals["stream_prefetch_bytes"]:.0f}'
                      ' by PREFETCH: not the same bytes')
    for e in bad:
        print(f'error: {e}')
    errors += bad

    mc = vals['memcpy_gbs']
    copy = {
        '2M->VRAM': vals['copy_2M_to_vram_gbs'],
        '2M->RAM': vals['copy_2M_to_ram_gbs'],
        '64K->VRAM': vals['copy_64K_to_vram_gbs'],
        '64K->RAM': vals['copy_64K_to_ram_gbs'],
    }
    ref = {'s2d': hmm['thp_s2d'], 'd2s': hmm['thp_d2s']}
    # name, GB/s, copy-engine reference, test_hmm THP direction
    rows = [
        ('copy engine 2M RAM->VRAM (reference)', copy['2M->VRAM'], None, None),
        ('copy engine 2M VRAM->RAM (reference)', copy['2M->RAM'], None, None),
        ('copy engine 64K RAM->VRAM (reference)', copy['64K->VRAM'], None, None),
        ('copy engine 64K VRAM->RAM (reference)', copy['64K->RAM'], None, None),
        ('memcpy, userspace (comparison)', mc, None, None),
        ('test_hmm THP sys->dev (reference)', hmm['thp_s2d'], '2M->VRAM', None),
        ('test_hmm THP dev->sys (reference)', hmm['thp_d2s'], '2M->RAM', None),
        ('test_hmm 4K sys->dev', hmm['4k_s2d'], '64K->VRAM', 's2d'),
        ('test_hmm 4K dev->sys', hmm['4k_d2s'], '64K->RAM', 'd2s'),
        ('xe-svm 2M GPU fault -> VRAM', vals['2M_gpu_fault_gbs'], '2M->VRAM', 's2d'),
        ('xe-svm 2M CPU fault -> RAM', vals['2M_cpu_fault_gbs'], '2M->RAM', 'd2s'),
        ('xe-svm 64K GPU fault -> VRAM', vals['64K_gpu_fault_gbs'], '64K->VRAM', 's2d'),
        ('xe-svm 64K CPU fault -> RAM', vals['64K_cpu_fault_gbs'], '64K->RAM', 'd2s'),
    ]
    if '4K_gpu_fault_gbs' in vals:
        rows.append(('xe-svm 4K GPU fault (maps RAM, no copy)',
                     vals['4K_gpu_fault_gbs'], None, None))
    rows.append(('xe-svm eviction VRAM -> RAM', vals['evict_gbs'], '2M->RAM', 'd2s'))

    print('throughput in GB/s = 1e9 bytes/s (test_hmm\'s GiB/s converted);'
          ' "x copy" is the ratio to the copy engine named beside it')
    print(f'{"":40} {"GB/s":>9} {"x copy":>7} {"copy engine":>11}'
          f' {"x memcpy":>9} {"x test_hmm THP":>15}')
    for name, v, c, d in rows:
        cr = f'{v / copy[c]:7.2f} {c:>11}' if c else f'{"":7} {"":>11}'
        hr = f'{v / ref[d]:15.2f}' if d else f'{"":15}'
        print(f'{name:40} {v:9.4f} {cr} {v / mc:9.2f} {hr}')

    print()
    print(f'{"GPU fault service (vxe histogram)":40} {"faults":>9} {"p50 us":>9} {"p99 us":>9}')
    for s in ('2M', '64K', '4K'):
        n = vals.get(f'{s}_faults', 0)
        if n:
            print(f'{s + " ranges":40} {n:9.0f} {vals[s + "_fault_p50_us"]:9.0f}'
                  f' {vals[s + "_fault_p99_us"]:9.0f}')
    for k, name in (('idle', '4K ranges, idle'),
                    ('evicting', '4K ranges, another VM evicting')):
        print(f'{name:40} {vals[f"4K_{k}_faults"]:9.0f} {"":>9}'
              f' {vals[f"4K_{k}_p99_us"]:9.0f}')
    print('(percentiles are histogram bucket bounds: true value within 25 % below;'
          f' evicting: the {vals["4K_evicting_passes"]:.0f} passes, of'
          f' {vals["4K_evicting_passes_tried"]:.0f} run, during which chunks were'
          f' evicted, {vals["4K_evicting_chunks_evicted"]:.0f} chunks in all)')

    vr = vals['evict_vram_bytes'] / 2**20
    print()
    print(f'streaming twice a {vr:.0f} MiB VRAM, {vals["stream_fault_bytes"] / 2**20:.0f} MiB'
          f' moved into VRAM by each schedule: GPU faults {vals["stream_fault_s"]:.3f} s,'
          f' explicit PREFETCH schedule {vals["stream_prefetch_s"]:.3f} s;'
          f' eviction during the GPU-fault passes:'
          f' {vals["evict_bytes"] / 2**20:.0f} MiB in {vals["evict_chunks"]:.0f} chunks')

    m2, m64 = vals['2M_gpu_fault_gbs'], vals['64K_gpu_fault_gbs']
    # name, measured, target (a negative one is an upper bound), reference
    targets = [
        ('2M migration >= 60 % of the copy engine', m2 / copy['2M->VRAM'], 0.60,
         'copy engine 2M RAM->VRAM (software overhead; memcpy:'
         f' {m2 / mc:.2f})'),
        ('2M path >= 4x the 64K path per byte', m2 / m64, 4.0,
         'xe-svm 64K GPU fault -> VRAM'),
        ('2M path >= 90 % of test_hmm THP', m2 / hmm['thp_s2d'], 0.90,
         'test_hmm THP sys->dev, both in GB/s'),
        ('streaming <= 2.5x explicit PREFETCH time',
         vals['stream_fault_s'] / vals['stream_prefetch_s'], -2.5,
         'explicit PREFETCH schedule, same bytes'),
        ('4K fault p99 evicting <= 2x idle',
         vals['4K_evicting_p99_us'] / vals['4K_idle_p99_us'], -2.0,
         '4K fault p99 idle'),
    ]
    print()
    for name, got, want, against in targets:
        met = got <= -want if want < 0 else got >= want
        print(f'target: {name:42} measured {got:6.2f}  '
              f'{"met    " if met else "NOT met"}  against {against}')
    sys.exit(1 if errors else 0)


if __name__ == '__main__':
    main()
