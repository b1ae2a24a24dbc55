#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the test NICs saw frame_loop's frames (vm-run.sh --iommu --pcap).

Usage: pcap-frames.py DIR RUN_ID [SEQ...]

DIR holds nic<N>-sent.pcap (what NIC N sent to its socket) and
nic<N>-received.pcap (what it took from the socket). RUN_ID is the run id
frame_loop printed at its start (hex or decimal). Prints, per NIC, how many
of that run's frames it sent and received, and the frames that some NIC
sent and no NIC received: frames left in a socket ("on the wire") when
their NIC stopped taking frames. With SEQs (frames the guest reported
lost), says where each was last seen; exit status 0 if every one of them
is such a frame, 1 if any is not, 2 on a usage or file error.
"""
import struct
import sys
from pathlib import Path

ETHERTYPE = 0x88B5      # frame_loop.c: FRAME_ETHERTYPE
OFF_RUN = 14 + 4        # after the Ethernet header and the magic
OFF_SEQ = OFF_RUN + 4


def frames(path, run_id):
    """{seq: first timestamp} of @run_id's frames in pcap file @path."""
    seen = {}
    data = path.read_bytes()
    if len(data) < 24 or struct.unpack_from('<I', data)[0] != 0xA1B2C3D4:
        raise ValueError(f'{path}: not a little-endian pcap file')
    off = 24
    while off + 16 <= len(data):
        sec, usec, incl, _ = struct.unpack_from('<IIII', data, off)
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < OFF_SEQ + 8 or struct.unpack_from('>H', pkt, 12)[0] != ETHERTYPE:
            continue
        if struct.unpack_from('>I', pkt, OFF_RUN)[0] != run_id:
            continue
        seen.setdefault(struct.unpack_from('>Q', pkt, OFF_SEQ)[0], sec + usec / 1e6)
    return seen


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    top = Path(sys.argv[1])
    try:
        run_id = int(sys.argv[2], 0)
        lost = [int(s) for s in sys.argv[3:]]
        nics = sorted(p.name[:-len('-sent.pcap')] for p in top.glob('nic*-sent.pcap'))
        sent = {n: frames(top / f'{n}-sent.pcap', run_id) for n in nics}
        received = {n: frames(top / f'{n}-received.pcap', run_id) for n in nics}
    except (OSError, ValueError) as e:
        print(f'pcap-frames.py: {e}', file=sys.stderr)
        return 2
    if not nics:
        print(f'pcap-frames.py: no nic*-sent.pcap in {top}', file=sys.stderr)
        return 2
    start = min([t for d in list(sent.values()) + list(received.values())
                 for t in d.values()] or [0])
    all_received = set().union(*received.values())
    stranded = {}
    for n in nics:
        print(f'{n}: sent {len(sent[n])} frames of run {run_id:#x}, received {len(received[n])}')
        for seq, t in sent[n].items():
            if seq not in all_received:
                stranded[seq] = (n, t)
    print(f'sent by a NIC and received by none (left in its socket): {len(stranded)}'
          + ''.join(f'\n  frame {s}: sent by {n} at +{t - start:.3f} s'
                    for s, (n, t) in sorted(stranded.items())[:10]))
    rc = 0
    for seq in lost:
        where = [f'sent by {n} at +{sent[n][seq] - start:.3f} s' for n in nics if seq in sent[n]]
        where += [f'received by {n} at +{received[n][seq] - start:.3f} s'
                  for n in nics if seq in received[n]]
        print(f'lost frame {seq}: ' + (', '.join(where) or 'never seen by a NIC'))
        if seq not in stranded:
            rc = 1
    return rc


if __name__ == '__main__':
    sys.exit(main())
