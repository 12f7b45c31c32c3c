// A stand-in PostgreSQL for the AOT training run of jlink/build-image (run as a single-file program:
// java jlink/TrainingPostgres.java). It speaks just enough of the protocol for a client to log in, then
// answers every query with an error. So the training run goes through the driver's and the pool's whole
// connection path, which a real start needs and which would otherwise be missing from the AOT cache,
// without a database. It prints its port, then serves until killed.

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

private static final int SSL_REQUEST = 80877103;
private static final int GSS_REQUEST = 80877104;
private static final int CANCEL_REQUEST = 80877102;

void main() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        System.out.println(server.getLocalPort());
        System.out.flush();
        while (true) {
            Socket client = server.accept();
            Thread.ofVirtual().start(() -> serve(client));
        }
    }
}

void serve(Socket client) {
    try (client;
         DataInputStream in = new DataInputStream(new BufferedInputStream(client.getInputStream()));
         DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream()))) {
        while (true) {
            int length = in.readInt();
            int code = in.readInt();
            in.skipNBytes(length - 8);
            if (code == CANCEL_REQUEST) {
                return;
            }
            if (code != SSL_REQUEST && code != GSS_REQUEST) {
                break;   // the startup message
            }
            out.write('N');   // no TLS, no GSS encryption
            out.flush();
        }
        send(out, 'R', new byte[] {0, 0, 0, 0});   // authentication ok
        String[][] parameters = {{"server_version", "17.6"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
                {"DateStyle", "ISO, MDY"}, {"IntervalStyle", "postgres"}, {"integer_datetimes", "on"}, {"TimeZone", "UTC"},
                {"standard_conforming_strings", "on"}, {"is_superuser", "on"}, {"session_authorization", "training"},
                {"application_name", "philotes"}};
        for (String[] p : parameters) {
            send(out, 'S', cstrings(p[0], p[1]));
        }
        send(out, 'K', new byte[] {0, 0, 0, 1, 0, 0, 0, 1});
        send(out, 'Z', new byte[] {'I'});
        out.flush();
        boolean failed = false;
        while (true) {
            int type = in.read();
            if (type < 0 || type == 'X') {
                return;
            }
            in.skipNBytes(in.readInt() - 4);
            switch (type) {
                case 'Q' -> {
                    error(out);
                    send(out, 'Z', new byte[] {'I'});
                    out.flush();
                }
                case 'S' -> {
                    if (!failed) {
                        error(out);
                    }
                    failed = false;
                    send(out, 'Z', new byte[] {'I'});
                    out.flush();
                }
                case 'H' -> out.flush();
                default -> {
                    if (!failed) {
                        error(out);
                        failed = true;
                    }
                }
            }
        }
    } catch (IOException gone) {
        // the client went away
    }
}

void error(DataOutputStream out) throws IOException {
    send(out, 'E', fields("SERROR", "VERROR", "C57P03", "Mthis is the AOT training stand-in, not a database"));
}

void send(DataOutputStream out, char type, byte[] body) throws IOException {
    out.write(type);
    out.writeInt(body.length + 4);
    out.write(body);
}

byte[] cstrings(String... values) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (String v : values) {
        bytes.writeBytes(v.getBytes(StandardCharsets.UTF_8));
        bytes.write(0);
    }
    return bytes.toByteArray();
}

byte[] fields(String... values) {
    byte[] strings = cstrings(values);
    byte[] body = new byte[strings.length + 1];
    System.arraycopy(strings, 0, body, 0, strings.length);
    return body;
}
