#!/usr/bin/env python3
"""Writes a `wg setconf` file with COUNT peers, for control-plane tests at scale.

Peer i has the allowed IPs 10.(i>>9).(i>>1 & 255).(128 * (i & 1))/25 and fd00:5c:i>>16:i&0xffff::/64
(up to 2^17 peers, all inside 10.0.0.0/8) and the endpoint 127.1.(i>>8 & 255).(i & 255):(20000 + i % 1000), loopback, so
that nothing ever leaves the namespace. Keys are random 32-byte strings: `wg genkey` is too slow
for 100,000 peers, and no handshake is made with these peers (their public keys need no private
key). With --peer KEY:PREFIXES:ENDPOINT one real peer is added at the end.
Usage: many_peers_conf.py COUNT PRIVATE_KEY LISTEN_PORT [--seed N] [--peer KEY:A,B:HOST:PORT]
"""
import base64
import ipaddress
import random
import sys


def main() -> None:
    count, private_key, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    seed, real = 1, None
    args = sys.argv[4:]
    while args:
        if args[0] == "--seed":
            seed = int(args[1])
        elif args[0] == "--peer":
            real = args[1].split(":", 2)
        else:
            sys.exit(f"unknown option {args[0]}")
        args = args[2:]
    if count > 1 << 17:
        sys.exit("at most 131072 peers")
    rng = random.Random(seed)
    out = [f"[Interface]\nPrivateKey = {private_key}\nListenPort = {port}\n"]
    for i in range(count):
        key = base64.b64encode(rng.randbytes(32)).decode()
        v4 = f"10.{i >> 9}.{(i >> 1) & 255}.{128 * (i & 1)}/25"
        v6 = str(ipaddress.IPv6Network(((0xFD00005C << 96) | (i << 64), 64)))  # as wg prints it
        endpoint = f"127.1.{(i >> 8) & 255}.{i & 255}:{20000 + i % 1000}"
        out.append(f"[Peer]\nPublicKey = {key}\nAllowedIPs = {v4}, {v6}\nEndpoint = {endpoint}\n")
    if real:
        key, prefixes, endpoint = real
        out.append(f"[Peer]\nPublicKey = {key}\nAllowedIPs = {prefixes}\nEndpoint = {endpoint}\n")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
