#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Read a dmm-maar's counters from its DPDK telemetry socket, for the netns scripts.

    dmm_telemetry.py FILE_PREFIX [COMMAND]     (COMMAND default /dmm/stats)
    dmm_telemetry.py --flatten < JSON          (e.g. the output of dmmctl --json)

Prints one "section.name=value" line per scalar of the reply (nested dicts joined with
dots, e.g. "total.encap=42", "control.na_learned=1", "workers.0.rx=7"), so shell scripts
can pick counters with awk. Paged replies (/dmm/stats, /dmm/tables: "next_worker") are
followed to the end. Stdlib only: no dependency on dmmctl, which is the operator's tool;
this is the test's independent reading of the same socket.

Exit status: 0 ok, 1 no socket / no answer / null reply (command failed in dmm-maar).
"""
import json
import os
import socket
import sys

RUNTIME = os.environ.get("DPDK_RUNTIME_DIR", "/var/run/dpdk")


def query(sock, cmd, bufsz):
    sock.send(cmd.encode())
    reply = json.loads(sock.recv(bufsz).decode())
    key = cmd.split(",", 1)[0]
    if key not in reply or reply[key] is None:
        raise RuntimeError(f"{cmd}: null reply (the command failed in the process)")
    return reply[key]


def flatten(prefix, v, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(f"{prefix}.{k}" if prefix else str(k), x, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            flatten(f"{prefix}.{i}", x, out)
    else:
        out.append(f"{prefix}={v}")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if sys.argv[1] == "--flatten":
        try:
            v = json.load(sys.stdin)
        except ValueError as e:
            print(f"dmm_telemetry.py: stdin: {e}", file=sys.stderr)
            return 1
        out = []
        flatten("", v, out)
        print("\n".join(out))
        return 0
    prefix = sys.argv[1]
    cmd = sys.argv[2] if len(sys.argv) == 3 else "/dmm/stats"
    path = os.path.join(RUNTIME, prefix, "dpdk_telemetry.v2")
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(5)
        s.connect(path)
        greeting = json.loads(s.recv(1024).decode())
        bufsz = int(greeting.get("max_output_len", 16384))
        reply = query(s, cmd, bufsz)
        # Paged commands: merge the "workers" pages.
        while isinstance(reply, dict) and "next_worker" in reply and \
                reply["next_worker"] < reply.get("n_workers", 0):
            first = reply["next_worker"]
            more = query(s, f"{cmd},{first}", bufsz)
            reply.setdefault("workers", {}).update(more.get("workers", {}))
            if more.get("next_worker", first) <= first:
                raise RuntimeError(f"{cmd},{first}: paging does not advance")
            reply["next_worker"] = more["next_worker"]
        s.close()
    except (OSError, ValueError, RuntimeError) as e:
        print(f"dmm_telemetry.py: {path}: {e}", file=sys.stderr)
        return 1
    out = []
    flatten("", reply, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
