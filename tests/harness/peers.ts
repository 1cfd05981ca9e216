import * as net from "net";

type FakeServer = net.Server & { port: number };

/** A TCP server on 127.0.0.1 handing each chunk a connection receives to `handle`; closing it destroys every open connection. */
async function serve(handle: (socket: net.Socket, chunk: Buffer, first: boolean) => void): Promise<FakeServer> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => socket.destroy());
        let first = true;
        socket.on("data", (d) => {
            handle(socket, d, first);
            first = false;
        });
    });
    server.on("close", () => sockets.forEach((s) => s.destroy()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

/**
 * A stand-in for a ZooKeeper server or a Kafka broker: `reply` gets each connection's first
 * chunk and returns what to answer (undefined: stall, never answer), after which it closes.
 */
export function fakePeer(reply: (request: Buffer) => Buffer | string | undefined, delayMs = () => 0): Promise<FakeServer> {
    return serve((socket, chunk, first) => {
        if (!first) return;
        const answer = reply(chunk);
        if (answer !== undefined) setTimeout(() => socket.end(answer), delayMs()).unref();
    });
}

/**
 * A stand-in for a Kafka broker that answers every request of a connection in turn (a SASL
 * login, then the request): `reply` gets each chunk (one request each, as the probes write them)
 * and returns the answer, or undefined to stall; `closeAfter` says which answers end the
 * connection (a broker that dies mid-answer).
 */
export function fakeBroker(reply: (request: Buffer) => Buffer | undefined, closeAfter = (_request: Buffer) => false): Promise<FakeServer> {
    return serve((socket, chunk) => {
        const answer = reply(chunk);
        if (answer === undefined) return;
        if (closeAfter(chunk)) socket.end(answer);
        else socket.write(answer);
    });
}
