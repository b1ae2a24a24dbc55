#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send sequence-numbered broadcast frames on a netdev and check that each
comes back byte for byte (vdpa_sim_net loops broadcast frames into RX).

Usage: pkt_loop.py IFNAME COUNT
Prints one line: 'sent N received N verified N sha256 <digest of payloads>'
and exits 0 only if every frame came back once, in order, intact.
"""
import hashlib
import select
import socket
import struct
import sys

ETH_P_SVQ = 0x88B5  # IEEE 802 local experimental ethertype
PACKET_BROADCAST = 1


def payload(seq):
    """Length 46..1486, content derived from seq: a frame checks itself."""
    length = 46 + (seq * 7919) % 1441
    body = bytes((seq * 31 + i) & 0xFF for i in range(length - 8))
    return struct.pack('!II', seq, length) + body


def main():
    ifname, count = sys.argv[1], int(sys.argv[2])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_SVQ))
    sock.bind((ifname, ETH_P_SVQ))
    src = sock.getsockname()[4]
    digest = hashlib.sha256()
    received = verified = 0
    for seq in range(count):
        frame = b'\xff' * 6 + src + struct.pack('!H', ETH_P_SVQ) + payload(seq)
        sock.send(frame)
        while True:
            ready, _, _ = select.select([sock], [], [], 5.0)
            if not ready:
                print(f'frame {seq}: nothing came back within 5 s', file=sys.stderr)
                break
            data, addr = sock.recvfrom(65536)
            if addr[2] != PACKET_BROADCAST:
                continue
            received += 1
            got = data[14:14 + len(frame) - 14]
            if data[:len(frame)] != frame:
                rseq = struct.unpack('!I', data[14:18])[0] if len(data) >= 18 else -1
                print(f'frame {seq}: got a different frame (seq {rseq}, len {len(data)})',
                      file=sys.stderr)
                break
            digest.update(got)
            verified += 1
            break
        if verified != seq + 1:
            break
    print(f'sent {seq + 1} received {received} verified {verified} sha256 {digest.hexdigest()}')
    return 0 if verified == count == received else 1


if __name__ == '__main__':
    sys.exit(main())
