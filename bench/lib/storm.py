"""Connection-test storm for bench/connection-storm.

Runs a TCP listener on loopback that accepts connections and never answers, then sends waves of
concurrent POST /api/v1/sources/test requests at Philotes pointing at it, while sampling the service's
OS thread count from /proc. Prints one JSON line with the latencies and the thread maximum.
"""
import argparse
import asyncio
import json
import socket
import threading
import time


def silent_listener():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(4096)
    held = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, held


def thread_sampler(pid, stop, samples):
    while not stop.is_set():
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        samples.append(int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.05)


async def one_test(host, port, body, latencies, statuses):
    start = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    request = (f"POST /api/v1/sources/test HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}")
    writer.write(request.encode())
    await writer.drain()
    # Read by Content-Length: Helidon 4.5.0 keeps the connection open after "Connection: close"
    # (upstream issue helidon-io/helidon#12324), so waiting for EOF would hang.
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    latencies.append((time.monotonic() - start) * 1000)
    statuses.append(head.split(b" ", 2)[1].decode())
    writer.close()


async def storm(args, silent_port):
    host, port = args.url.replace("http://", "").split(":")
    body = json.dumps({"host": "127.0.0.1", "port": silent_port, "database": "postgres", "username": "u",
                       "password": "p", "ssl_mode": "disable"})
    latencies, statuses = [], []
    deadline = time.monotonic() + args.duration
    waves = 0
    while time.monotonic() < deadline:
        await asyncio.gather(*(one_test(host, int(port), body, latencies, statuses) for _ in range(args.tests)))
        waves += 1
    return latencies, statuses, waves


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--duration", type=float, default=10)
    args = parser.parse_args()
    server, held = silent_listener()
    stop = threading.Event()
    samples = []
    sampler = threading.Thread(target=thread_sampler, args=(args.pid, stop, samples), daemon=True)
    sampler.start()
    latencies, statuses, waves = asyncio.run(storm(args, server.getsockname()[1]))
    stop.set()
    sampler.join()
    server.close()
    for conn in held:
        conn.close()
    latencies.sort()
    print(json.dumps({
        "tests": len(latencies),
        "waves": waves,
        "non_200": sum(1 for s in statuses if s != "200"),
        "max_ms": round(latencies[-1]),
        "p50_ms": round(latencies[len(latencies) // 2]),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1]),
        "max_threads": max(samples) if samples else -1,
    }))


if __name__ == "__main__":
    main()
