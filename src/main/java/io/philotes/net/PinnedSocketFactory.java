package io.philotes.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.SocketFactory;

/**
 * Makes the PostgreSQL driver log in over a socket we connected ourselves, to the address the host policy
 * approved, whatever host name the URL carries (the name stays there for TLS certificate verification).
 * So the checked address is the connected address, and a connection test opens one TCP connection, not
 * two. pgjdbc creates the factory by class name with one string argument ({@code socketFactory} and
 * {@code socketFactoryArg}): the argument is the ticket of a {@link #handOver(Socket) handed-over} socket.
 * Any further socket the driver asks for (a cancel request, a TLS fallback) goes to the same address.
 */
public final class PinnedSocketFactory extends SocketFactory {
    private static final Map<String, Socket> HANDED_OVER = new ConcurrentHashMap<>();
    private static final AtomicLong TICKETS = new AtomicLong();

    private final InetAddress address;
    private Socket first;

    /**
     * Creates the factory for one login; pgjdbc calls this.
     *
     * @param ticket the ticket of the handed-over socket
     * @throws IOException when no socket waits under that ticket
     */
    public PinnedSocketFactory(String ticket) throws IOException {
        Socket socket = HANDED_OVER.remove(ticket);
        if (socket == null || socket.getInetAddress() == null) {
            throw new IOException("No connected socket was handed over for this connection");
        }
        this.first = socket;
        this.address = socket.getInetAddress();
    }

    /**
     * Parks a connected socket for the driver's next login.
     *
     * @param socket a connected socket
     * @return the ticket to pass as {@code socketFactoryArg}; close it once the login has returned
     */
    public static Ticket handOver(Socket socket) {
        String ticket = "socket-" + TICKETS.incrementAndGet();
        HANDED_OVER.put(ticket, socket);
        return new Ticket(ticket);
    }

    @Override
    public synchronized Socket createSocket() {
        Socket socket = first;
        first = null;
        return socket != null ? socket : new PinnedSocket(address);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress localAddress, int localPort) throws IOException {
        return connected(port);
    }

    private Socket connected(int port) throws IOException {
        Socket socket = new PinnedSocket(address);
        socket.connect(new InetSocketAddress(address, port));
        return socket;
    }

    /**
     * A handed-over socket's claim. Closing it withdraws a socket the driver never took (the socket itself
     * stays open: it belongs to whoever connected it, or to the connection that took it).
     *
     * @param argument the value for {@code socketFactoryArg}
     */
    public record Ticket(String argument) implements AutoCloseable {
        @Override
        public void close() {
            HANDED_OVER.remove(argument);
        }
    }

    private static final class PinnedSocket extends Socket {
        private final InetAddress pinned;

        PinnedSocket(InetAddress pinned) {
            this.pinned = pinned;
        }

        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            int port = ((InetSocketAddress) endpoint).getPort();
            super.connect(new InetSocketAddress(pinned, port), timeout);
        }
    }
}
