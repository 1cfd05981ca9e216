import * as net from "net";

/**
 * A TCP server on 127.0.0.1 that stands in for a ZooKeeper server or a Kafka broker: `reply`
 * gets each connection's first chunk and returns what to answer (undefined: stall, never answer).
 * Closing it destroys every open connection.
 */
export async function fakePeer(reply: (request: Buffer) => Buffer | string | undefined, delayMs = () => 0): Promise<net.Server & { port: number }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        socket.once("data", (d) => {
            const answer = reply(d);
            if (answer !== undefined) setTimeout(() => socket.end(answer), delayMs()).unref();
        });
    });
    server.on("close", () => sockets.forEach((s) => s.destroy()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}
