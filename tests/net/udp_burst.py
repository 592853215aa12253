#!/usr/bin/env python3
"""Numbered UDP datagrams of one size, sent in short bursts and checked on arrival.

  udp_burst.py receive ADDRESS PORT COUNT SIZE   prints "received R damaged D out_of_order O"
  udp_burst.py send ADDRESS PORT COUNT SIZE      sends COUNT datagrams, 50 at a time

Each datagram carries its number (4 bytes) and then bytes that depend on it, so a datagram cut,
merged or mixed with another one's bytes on the way counts as damaged. The receiver stops after
COUNT datagrams, or 2 s without one once the first came (10 s for the first: a loaded
machine may take seconds to start the sender; 15 s in all), the sender after COUNT datagrams.
"""
import socket
import sys
import time

BURST = 50


def payload(number, size):
    head = number.to_bytes(4, "big")
    return head + bytes((number + i) & 0xFF for i in range(size - len(head)))


def receive(address, port, count, size):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((address, port))
    sock.settimeout(10)
    print("ready", flush=True)
    received = damaged = out_of_order = 0
    last = -1
    deadline = time.monotonic() + 15
    while received + damaged < count and time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        sock.settimeout(2)
        number = int.from_bytes(data[:4], "big") if len(data) >= 4 else -1
        if len(data) != size or data != payload(number, size):
            damaged += 1
            continue
        received += 1
        if number <= last:
            out_of_order += 1
        last = number
    print(f"received {received} damaged {damaged} out_of_order {out_of_order}", flush=True)


def send(address, port, count, size):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.connect((address, port))
    for number in range(count):
        sock.send(payload(number, size))
        if number % BURST == BURST - 1:
            time.sleep(0.002)


def main():
    mode, address, port, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if mode == "receive":
        receive(address, port, count, size)
    else:
        send(address, port, count, size)


if __name__ == "__main__":
    main()
