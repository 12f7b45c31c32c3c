"""Helpers for bench/connection-storm: a TCP listener on loopback that accepts connections and never
answers, and a sampler of the service's OS thread count (from /proc). Runs for the given seconds and
prints the listener's port at once, then the highest thread count seen at the end.
"""
import socket
import sys
import threading
import time


def main():
    pid, seconds = int(sys.argv[1]), float(sys.argv[2])
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    print(server.getsockname()[1], flush=True)
    highest = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        highest = max(highest, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)
    print(highest, flush=True)
    server.close()


if __name__ == "__main__":
    main()
