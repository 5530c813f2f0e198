#!/usr/bin/env python3
"""A TCP relay on 127.0.0.1 that makes a loopback link look like a long one (bench.sh's fill section).

Every connection accepted on LISTEN_PORT is connected onward to TARGET_PORT one round trip later (the far side's
SYN/SYN-ACK), and every chunk read from either side is written to the other half a round trip after it was read,
in order. Nothing else is shaped: no bandwidth limit, no loss. A round trip of 0 relays at once (the relay's own
cost then shows on its own).

usage: delayrelay.py LISTEN_PORT TARGET_PORT RTT_MS
Prints "listening" once the port is open; runs until killed.
"""
import asyncio
import sys
import time


async def pump(reader, writer, delay):
    """Copies reader to writer, each chunk `delay` seconds after it was read; EOF is passed on the same way."""
    pending = asyncio.Queue()

    async def read_side():
        while True:
            data = await reader.read(65536)
            await pending.put((time.monotonic() + delay, data))
            if not data:
                return

    async def write_side():
        while True:
            due, data = await pending.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    try:
        await asyncio.gather(read_side(), write_side())
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def main():
    listen_port, target_port, rtt = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000

    async def accepted(client_reader, client_writer):
        await asyncio.sleep(rtt)
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, rtt / 2), pump(server_reader, client_writer, rtt / 2))

    async def serve():
        server = await asyncio.start_server(accepted, "127.0.0.1", listen_port, backlog=4096)
        print("listening", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
