#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""paced_send.py PORT FILE RATE FLAG LOG: the lab's long TCP transfer, CN side.

Listens on [::]:PORT, accepts one connection, writes "peer ADDR" to LOG, sends FILE in 8 KiB
chunks at RATE bytes/s until the file FLAG exists, then as fast as TCP allows; then FIN,
"sent BYTES SHA256" to LOG. Pacing keeps one connection open across several handovers
without a huge file; the flag ends the wait once the moves are done. Stdlib only.
"""
import hashlib
import os
import socket
import sys
import time


def main():
    port, path, rate, flag, log = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port))
    ls.listen(1)
    with open(log, "w") as lg:
        lg.write("listening\n")
        lg.flush()
        s, peer = ls.accept()
        lg.write("peer %s\n" % peer[0])
        lg.flush()
        h = hashlib.sha256()
        sent = 0
        t0 = time.monotonic()
        with open(path, "rb") as f:
            while True:
                b = f.read(8192)
                if not b:
                    break
                s.sendall(b)
                h.update(b)
                sent += len(b)
                if not os.path.exists(flag):
                    ahead = sent / rate - (time.monotonic() - t0)
                    if ahead > 0:
                        time.sleep(ahead)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(30)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
        lg.write("sent %d %s\n" % (sent, h.hexdigest()))


if __name__ == "__main__":
    main()
