"""Launches a command and measures the time to the first 200 on /health/ready.

usage: python3 ready.py PORT LOG COMMAND...

Prints "MS RSS_MIB PID" on one line as soon as it is ready: milliseconds from launch to the first 200, the
process's resident memory at that moment, and its pid. Then it waits for the process to end (the caller
stops it) and exits. SERVER_PORT=PORT is set for the process; its output goes to LOG.

The poll runs inside this one process (a request every 2 ms on a fresh connection) so that measuring costs
the machine almost nothing: a shell loop that starts curl and sleep every few milliseconds forks two
processes per poll, and on a 2-core machine those forks take CPU from the service being timed (measured
here: ~400 ms of a ~1.1 s start).
"""
import http.client
import os
import subprocess
import sys
import time

port, log, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
started = time.monotonic()
process = subprocess.Popen(command, env=dict(os.environ, SERVER_PORT=str(port)),
                           stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
while True:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/health/ready")
        if connection.getresponse().status == 200:
            break
    except OSError:
        pass
    finally:
        connection.close()
    if process.poll() is not None:
        sys.exit(f"{command[0]} exited with {process.returncode} before it was ready; see {log}")
    if time.monotonic() - started > 60:
        process.kill()
        sys.exit(f"{command[0]} was not ready within 60 s; see {log}")
    time.sleep(0.002)
elapsed_ms = (time.monotonic() - started) * 1000
with open(f"/proc/{process.pid}/status") as status:
    rss_kib = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
print(f"{elapsed_ms:.0f} {rss_kib / 1024:.1f} {process.pid}", flush=True)
process.wait()
