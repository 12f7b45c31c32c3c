package io.philotes.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;

import javax.net.SocketFactory;

/**
 * Makes the PostgreSQL driver connect to one already-checked address whatever host name it was given, so
 * the address the host policy approved is the address connected to. The host name stays in the URL for
 * TLS certificate verification. pgjdbc creates it by name with the address as its one argument
 * ({@code socketFactory} and {@code socketFactoryArg}).
 */
public final class PinnedSocketFactory extends SocketFactory {
    private final InetAddress address;

    /**
     * Creates the factory.
     *
     * @param address IP literal to connect to
     * @throws IOException when the argument is not an IP literal
     */
    public PinnedSocketFactory(String address) throws IOException {
        if (!address.matches("[0-9a-fA-F.:]+")) {
            throw new IOException("PinnedSocketFactory needs an IP literal");
        }
        this.address = InetAddress.getByName(address);
    }

    @Override
    public Socket createSocket() {
        return new PinnedSocket(address);
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
