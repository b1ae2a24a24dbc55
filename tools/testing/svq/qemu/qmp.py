#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal QMP client: qmp.py SOCKET COMMAND [JSON-ARGS] prints the reply."""
import json
import socket
import sys


def qmp(path, cmd, args=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    f = s.makefile('rw')
    json.loads(f.readline())  # greeting
    for c, a in (('qmp_capabilities', None), (cmd, args)):
        msg = {'execute': c}
        if a:
            msg['arguments'] = a
        f.write(json.dumps(msg) + '\n')
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if 'return' in reply or 'error' in reply:
                break
    return reply


if __name__ == '__main__':
    r = qmp(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]) if len(sys.argv) > 3 else None)
    print(json.dumps(r))
    sys.exit(1 if 'error' in r else 0)
