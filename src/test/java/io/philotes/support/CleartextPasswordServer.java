package io.philotes.support;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server that speaks just enough of PostgreSQL's protocol to ask every client for its password in
 * cleartext, and keeps what it receives: what a hostile endpoint would learn from a connection test.
 */
public final class CleartextPasswordServer implements AutoCloseable {
    private static final int SSL_REQUEST = 80877103;
    private static final int GSS_REQUEST = 80877104;
    private final ServerSocket socket;
    private final List<String> received = new CopyOnWriteArrayList<>();

    public CleartextPasswordServer() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket client = socket.accept();
                    Thread.ofVirtual().start(() -> serve(client));
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** The passwords clients sent, in order. */
    public List<String> received() {
        return List.copyOf(received);
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(5000);
            DataInputStream in = new DataInputStream(client.getInputStream());
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            int length = in.readInt();
            int code = in.readInt();
            while (code == SSL_REQUEST || code == GSS_REQUEST) {
                out.writeByte('N');
                out.flush();
                length = in.readInt();
                code = in.readInt();
            }
            in.skipNBytes(length - 8);
            out.writeByte('R');
            out.writeInt(8);
            out.writeInt(3);
            out.flush();
            if (in.readByte() == 'p') {
                byte[] password = new byte[in.readInt() - 4];
                in.readFully(password);
                received.add(new String(password, 0, password.length - 1, StandardCharsets.UTF_8));
            }
            byte[] error = "SFATAL\0C28P01\0Mpassword authentication failed\0\0".getBytes(StandardCharsets.UTF_8);
            out.writeByte('E');
            out.writeInt(error.length + 4);
            out.write(error);
            out.flush();
        } catch (IOException e) {
            // a client that went away
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
